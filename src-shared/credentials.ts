// The manual's rules for login names and passwords, used by the forms, the IPC
// schemas and the service alike.

export const LOGIN_NAME_MIN = 4;
export const LOGIN_NAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 20;

/** Not starting with a digit; letters (case-sensitive), digits, '.', '@', '-', '_'. */
const LOGIN_NAME_PATTERN = /^[A-Za-z.@_-][A-Za-z0-9.@_-]*$/;

export function isValidLoginName(name: string): boolean {
  return name.length >= LOGIN_NAME_MIN && name.length <= LOGIN_NAME_MAX && LOGIN_NAME_PATTERN.test(name);
}

/** Letters and digits only, at least one of each, 8–20 characters. */
export function isValidPassword(password: string): boolean {
  return (
    password.length >= PASSWORD_MIN &&
    password.length <= PASSWORD_MAX &&
    /^[A-Za-z0-9]+$/.test(password) &&
    /[A-Za-z]/.test(password) &&
    /[0-9]/.test(password)
  );
}

export const LOGIN_NAME_PARAMS = { min: LOGIN_NAME_MIN, max: LOGIN_NAME_MAX };
export const PASSWORD_PARAMS = { min: PASSWORD_MIN, max: PASSWORD_MAX };
