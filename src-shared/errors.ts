// Error codes shared by the service, the main process and the renderer, each with
// its zh-CN and en message. The service answers with the code and the message in
// the caller's language; the renderer re-renders from the code so a language
// switch changes messages already on screen.

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

type Messages = { 'zh-CN': string; en: string };

export const ERROR_MESSAGES = {
  // generic
  INTERNAL: { 'zh-CN': '系统内部错误，请稍后再试', en: 'Internal error, please try again later' },
  VALIDATION: { 'zh-CN': '输入有误：{detail}', en: 'Invalid input: {detail}' },
  NOT_FOUND: { 'zh-CN': '未找到请求的内容', en: 'Not found' },
  FORBIDDEN: { 'zh-CN': '您没有此项操作的权限', en: 'You are not permitted to do this' },
  CONFLICT: { 'zh-CN': '请求与已有记录冲突', en: 'The request conflicts with an existing record' },
  SERVICE_UNAVAILABLE: {
    'zh-CN': '无法连接结算服务（{url}）：{reason}',
    en: 'Cannot reach the settlement service ({url}): {reason}',
  },
  NOT_AVAILABLE_YET: { 'zh-CN': '此功能尚未开放', en: 'This function is not available yet' },
  INSUFFICIENT_FUNDS: { 'zh-CN': '账户可用余额不足', en: 'The available balance is not enough' },
  BALANCE_OUT_OF_RANGE: {
    'zh-CN': '入账后账户余额将超过系统可记录的上限 90,071,992,547,409.91 元，本笔业务未执行，未记任何账',
    en: "This would take an account's balance past the most the ledger can record, 90,071,992,547,409.91 yuan; nothing was posted",
  },
  HOLD_NOT_PENDING: {
    'zh-CN': '冻结款项已处理，不能再次入账',
    en: 'The held amount was already settled or released',
  },
  IDEMPOTENCY_MISMATCH: {
    'zh-CN': '同一请求编号已用于内容不同的请求',
    en: 'This request key was already used for a request with different content',
  },
  DATE_RANGE_INVALID: {
    'zh-CN': '查询日期不正确：起始日期不能晚于截止日期，截止日期不能晚于今天，跨度不超过一年',
    en: 'Invalid dates: the start may not be after the end, the end not after today, and the span at most one year',
  },
  // markets and contracts
  MARKET_NOT_FOUND: { 'zh-CN': '交易市场不存在', en: 'No such trading market' },
  MARKET_NOT_SIGNED_IN: {
    'zh-CN': '交易市场“{market}”今日尚未签到，暂不能办理入金',
    en: '{marketEn} has not signed in today; deposits are not possible yet',
  },
  MARKET_REFUSED: { 'zh-CN': '交易市场拒绝了本笔业务', en: 'The market refused this operation' },
  MEMBER_CODE_UNKNOWN: {
    'zh-CN': '会员代码 {memberCode} 不在该交易市场的会员名册中，请核对交易市场分配的会员代码',
    en: 'Member code {memberCode} is not in the market’s register; check the code the market gave you',
  },
  MEMBER_CODE_NOT_YOURS: {
    'zh-CN': '会员代码 {memberCode} 登记的证件号码与贵方不符',
    en: 'Member code {memberCode} is registered to another certificate number',
  },
  MEMBER_CODE_TAKEN: {
    'zh-CN': '会员代码 {memberCode} 已签约',
    en: 'Member code {memberCode} already has a contract',
  },
  CONTRACT_EXISTS: { 'zh-CN': '已与该交易市场签约', en: 'There is already a contract with this market' },
  CONTRACT_SIGN_PENDING: {
    'zh-CN': '该交易市场已有一笔签约指令等待复核',
    en: 'A sign instruction for this market is already awaiting review',
  },
  CONTRACT_NOT_FOUND: { 'zh-CN': '签约关系不存在', en: 'No such contract' },
  CONTRACT_NOT_ACTIVE: { 'zh-CN': '该签约关系已解约', en: 'This contract has been cancelled' },
  BOUND_ACCOUNT_INVALID: {
    'zh-CN': '出入金账户必须是本单位在我行开立的同名结算账户',
    en: "The bound account must be the enterprise's own settlement account at this bank",
  },
  BOUND_CARD_INVALID: {
    'zh-CN': '绑定卡必须是本人已通过鉴权的他行银行卡',
    en: 'The bound card must be your own authenticated card at another bank',
  },
  CANCEL_BALANCE_NOT_ZERO: {
    'zh-CN': '资金存管明细账户余额不为零（余额 {balance}，其中冻结 {frozen}），不能解约。请先出金或解冻',
    en: 'The detail sub-account is not empty (balance {balance}, of which frozen {frozen}); withdraw or have it unfrozen first',
  },
  CANCEL_UNFINISHED_TRADES: {
    'zh-CN': '存在未完成交易或持仓（未完成交易 {trades} 笔，持仓 {positions} 笔），不能解约',
    en: 'There are unfinished trades or open positions ({trades} trades, {positions} positions); the contract cannot be cancelled',
  },
  CANCEL_DISPUTE: {
    'zh-CN': '存在交易纠纷且交易市场尚未提供证实资料，不能解约',
    en: 'A trade dispute is open and the market has not supplied evidence; the contract cannot be cancelled',
  },
  CANCEL_MONEY_MOVED_TODAY: {
    'zh-CN': '今日已有出入金交易发生，当天不允许解约，请下一个工作日再办理',
    en: 'Money moved in or out today; a contract cannot be cancelled the same day — try on the next business day',
  },
  // maker-checker instructions
  INSTRUCTION_NOT_FOUND: { 'zh-CN': '指令不存在', en: 'No such instruction' },
  INSTRUCTION_ALREADY_HANDLED: {
    'zh-CN': '该指令已被处理（当前状态：{state}）',
    en: 'This instruction was already handled (now: {state})',
  },
  INSTRUCTION_EXPIRED: {
    'zh-CN': '该指令未在当日复核，已过期失效',
    en: 'This instruction was not reviewed on its business day and has expired',
  },
  MAKER_CANNOT_CHECK: {
    'zh-CN': '不能复核自己录入的指令，须由另一位有复核权限的人员复核',
    en: 'You cannot review an instruction you entered; another user with the review permission must',
  },
  REJECT_REASON_REQUIRED: {
    'zh-CN': '请填写拒绝原因（1–200 个字）',
    en: 'Give a reason for the rejection (1–200 characters)',
  },
  PERMISSION_NOT_ASSIGNABLE: {
    'zh-CN': '菜单 {code} 不能分配给该用户',
    en: 'Menu {code} cannot be assigned to this user',
  },
  USER_NOT_IN_ENTERPRISE: { 'zh-CN': '该用户不属于贵单位', en: 'This user is not in your enterprise' },
  MENU_UNCHANGED: { 'zh-CN': '菜单权限没有变化', en: 'The menu permissions did not change' },
  // market events, trades and suspense
  TRADE_NOT_FOUND: { 'zh-CN': '交易不存在', en: 'No such trade' },
  TRADE_NOT_PENDING: { 'zh-CN': '该交易已复核或已过期', en: 'This trade was already reviewed or has expired' },
  TRADE_EXPIRED: {
    'zh-CN': '该交易超过 30 天未复核，已过期，冻结资金已释放',
    en: 'This trade was not reviewed within 30 days and has expired; its hold was released',
  },
  TRADE_DATE_RANGE: {
    'zh-CN': '交易日期只能是今天至 30 天前之间的日期',
    en: 'The trade date must be between today and 30 days ago',
  },
  SUSPENSE_NOT_FOUND: { 'zh-CN': '挂账记录不存在', en: 'No such suspense record' },
  SUSPENSE_NOT_YOURS: {
    'zh-CN': '该挂账记录不是由您的绑定卡转入，不能由您重新入账',
    en: 'This suspense record did not come from your bound card; you cannot re-credit it',
  },
  SUSPENSE_ALREADY_RESOLVED: {
    'zh-CN': '该挂账记录已处理（重新入账或已由市场调账）',
    en: 'This suspense record was already re-credited or allocated',
  },
  SUSPENSE_MEMBER_NOT_SIGNED: {
    'zh-CN': '您尚未与该市场签约，不能重新入账',
    en: 'You have no contract with this market; the record cannot be re-credited',
  },
  // member system: verification and closure
  VERIFICATION_REQUIRED: {
    'zh-CN': '此操作需要验证：企业会员使用 USB-KEY 签名，个人会员使用手机动态码',
    en: 'This operation must be verified: a USB-KEY signature for corporate members, an SMS code for individuals',
  },
  OTP_WRONG: { 'zh-CN': '动态码错误，还可尝试 {left} 次', en: 'Wrong code; {left} tries left' },
  OTP_EXPIRED: { 'zh-CN': '动态码已失效，请重新获取', en: 'The code has expired; request a new one' },
  OTP_TOO_MANY_TRIES: {
    'zh-CN': '动态码输错次数过多，已失效，请重新获取',
    en: 'Too many wrong codes; this one no longer works, request a new one',
  },
  OTP_RESEND_TOO_SOON: {
    'zh-CN': '动态码已发送，请 {seconds} 秒后再重新获取',
    en: 'A code was just sent; you can request another in {seconds} seconds',
  },
  TRANSFER_OUT_CARD_MISSING: {
    'zh-CN': '请先维护资金转出账户',
    en: 'Set up the transfer-out account first',
  },
  CLOSE_REFUSED: {
    'zh-CN': '尚不能销户：{remaining}',
    en: 'The account cannot be closed yet: {remaining}',
  },
  // authentication
  // identity and card rules (the check characters of the national standards)
  USCC_RULE: {
    'zh-CN': '统一社会信用代码须为 18 位，且第 18 位校验码正确（GB 32100）',
    en: 'A unified social credit code has 18 characters with a valid check character (GB 32100)',
  },
  ORG_CODE_RULE: {
    'zh-CN': '组织机构代码须为 9 位（8 位本体代码加 1 位校验码，不含连字符），且校验码正确（GB 11714）',
    en: 'An organization code has 9 characters (8 plus a check character, no hyphen) with a valid check character (GB 11714)',
  },
  ID_NUMBER_RULE: {
    'zh-CN': '居民身份证号码须为 18 位，且第 18 位校验码正确',
    en: 'A resident ID number has 18 characters with a valid check character',
  },
  CARD_NUMBER_RULE: {
    'zh-CN': '银行卡号须为 16–19 位数字，且校验位正确',
    en: 'A bank card number has 16–19 digits with a valid check digit (Luhn)',
  },
  MOBILE_RULE: {
    'zh-CN': '手机号码须为 11 位中国大陆手机号码',
    en: 'A mobile number is an 11-digit mainland China number',
  },
  CARD_OWN_BANK: {
    'zh-CN': '本行银行卡不能绑定，请使用他行银行卡',
    en: "Our own bank's cards cannot be bound here; use a card of another bank",
  },
  CARD_BANK_MISMATCH: {
    'zh-CN': '卡号与所选开户行不符（卡号属于{bank}）',
    en: 'The card number does not belong to the bank chosen (it is a {bankEn} card)',
  },
  CARD_AUTH_MISMATCH: {
    'zh-CN': '银行卡鉴权未通过：{field}与发卡行预留的信息不一致',
    en: "Card authentication failed: the {fieldEn} does not match the issuing bank's records",
  },
  CARD_AUTH_UNKNOWN: {
    'zh-CN': '银行卡鉴权未通过：发卡行无此卡号',
    en: 'Card authentication failed: the issuing bank has no such card',
  },
  CARD_UNSUPPORTED: {
    'zh-CN': '该卡暂不支持银联鉴权，请换一张银行卡',
    en: 'This card does not support authentication; use another card',
  },
  CARD_AUTH_TOO_MANY: {
    'zh-CN': '今日银行卡鉴权失败已达 {max} 次，请明天再试',
    en: 'Card authentication failed {max} times today; try again tomorrow',
  },
  CARD_IN_USE: { 'zh-CN': '该银行卡已被其他会员绑定', en: 'This card is already bound by another member' },
  BANK_UNKNOWN: { 'zh-CN': '请从列表中选择开户行', en: 'Choose the issuing bank from the list' },
  BRANCH_UNKNOWN: {
    'zh-CN': '请从列表中选择所选开户行的开户网点',
    en: 'Choose a branch of the chosen bank from the list',
  },
  // registration, recovery and self-service of the member system
  REGISTRATION_EXISTS: {
    'zh-CN': '该证件号码已注册为会员，请直接登录或找回登录名和密码',
    en: 'This certificate number is already a member; log in, or recover the login name and password',
  },
  REGISTRATION_PENDING: {
    'zh-CN': '该证件号码已有待银行审核的注册申请（申请号 {serial}）',
    en: 'A registration of this certificate number awaits the bank (application {serial})',
  },
  REGISTRATION_NOT_FOUND: { 'zh-CN': '注册申请不存在', en: 'No such registration' },
  REGISTRATION_DECIDED: {
    'zh-CN': '该注册申请已处理（{status}）',
    en: 'This registration has already been decided ({status})',
  },
  ARCHIVE_TOO_LARGE: {
    'zh-CN': '资料压缩包不能超过 {max}，当前为 {size}，请删减或压缩后重新上传',
    en: 'The documents archive may be at most {max}; this one is {size}. Make it smaller and upload it again',
  },
  ARCHIVE_TYPE: {
    'zh-CN': '资料压缩包只能是 zip 或 rar 格式，所上传的文件不是（仅修改文件扩展名无效）',
    en: 'The documents archive must be a zip or rar file, and the uploaded file is neither (renaming a file does not change its format)',
  },
  ARCHIVE_EMPTY: {
    'zh-CN': '资料压缩包中没有文件，请放入注册资料后重新上传',
    en: 'The documents archive holds no files; put the registration documents in it and upload it again',
  },
  ARCHIVE_UNREADABLE: {
    'zh-CN': '资料压缩包已损坏或无法读取，请重新压缩后上传',
    en: 'The documents archive is damaged or cannot be read; create it again and upload the new one',
  },
  ARCHIVE_TOO_MANY_ENTRIES: {
    'zh-CN': '资料压缩包最多包含 {max} 个文件和文件夹，当前有 {count} 个',
    en: 'The documents archive may hold at most {max} files and folders; this one holds {count}',
  },
  ARCHIVE_UNSAFE_NAME: {
    'zh-CN': '资料压缩包中的文件名“{name}”不符合要求：不能是绝对路径、不能带盘符、不能含“..”或控制字符',
    en: 'The documents archive has a file name that is not allowed, “{name}”: no absolute paths, drive letters, “..” or control characters',
  },
  ARCHIVE_ENCRYPTED: {
    'zh-CN': '资料压缩包设置了密码，银行无法查看其中的资料，请去掉密码后重新上传',
    en: 'The documents archive is password-protected, so the bank cannot read the documents; remove the password and upload it again',
  },
  RECOVERY_NO_MATCH: {
    'zh-CN': '未找到与所填信息一致的会员，请核对后重试',
    en: 'No member matches what was entered; check it and try again',
  },
  LOGIN_NAME_TAKEN: { 'zh-CN': '该登录名已被使用，请换一个', en: 'This login name is taken; choose another' },
  LOGIN_NAME_MISMATCH: { 'zh-CN': '两次输入的新登录名不一致', en: 'The two new login names differ' },
  LOGIN_NAME_SAME: { 'zh-CN': '新登录名与当前登录名相同', en: 'The new login name is the current one' },
  PHONE_SAME: { 'zh-CN': '新手机号码与原手机号码相同', en: 'The new mobile number is the current one' },
  AUTH_OTP_STEP_REQUIRED: {
    'zh-CN': '首次登录须输入发送到注册手机的短信动态码',
    en: 'The first login needs the SMS code sent to the registered phone',
  },
  AUTH_WRONG_SYSTEM: {
    'zh-CN': '该用户属于{system}，请在登录页选择正确的系统和会员类型',
    en: 'This user belongs to {systemEn}; choose the right system and member type on the login page',
  },
  AUTH_CAPTCHA_WRONG: { 'zh-CN': '验证码错误，请重新输入', en: 'The captcha is wrong, please try again' },
  AUTH_CAPTCHA_EXPIRED: {
    'zh-CN': '验证码已过期或已使用，请刷新后重新输入',
    en: 'The captcha has expired or was already used; refresh it and try again',
  },
  AUTH_BAD_CREDENTIALS: { 'zh-CN': '用户名或密码错误', en: 'Wrong login name or password' },
  AUTH_BAD_PASSWORD: {
    'zh-CN': '用户名或密码错误，再错 {left} 次将锁定用户',
    en: 'Wrong login name or password; {left} more wrong attempts lock the user',
  },
  AUTH_USER_LOCKED: {
    'zh-CN': '密码连续错误 5 次，用户已锁定。请联系企业管理员或到银行柜面解锁',
    en: 'Five wrong passwords in a row have locked this user. Ask your administrator or the bank counter to unlock it',
  },
  USER_NOT_FOUND: { 'zh-CN': '登录名为 {loginName} 的用户不存在', en: 'There is no user with login name {loginName}' },
  AUTH_USER_DISABLED: { 'zh-CN': '该用户已停用或已销户', en: 'This user is disabled or closed' },
  AUTH_SESSION_REQUIRED: { 'zh-CN': '请先登录', en: 'Please log in first' },
  AUTH_SESSION_EXPIRED: {
    'zh-CN': '长时间未操作，会话已超时，请重新登录',
    en: 'Your session timed out after a period of inactivity; please log in again',
  },
  AUTH_PASSWORD_CHANGE_REQUIRED: {
    'zh-CN': '首次登录须先修改登录密码',
    en: 'You must change your password before continuing',
  },
  AUTH_OLD_PASSWORD_WRONG: { 'zh-CN': '原密码错误', en: 'The current password is wrong' },
  AUTH_PASSWORD_REUSED: {
    'zh-CN': '新密码不能与原密码相同',
    en: 'The new password must differ from the current one',
  },
  AUTH_PASSWORD_MISMATCH: { 'zh-CN': '两次输入的新密码不一致', en: 'The two new passwords differ' },
  // USB-KEY (token) — raised by the token host, shown by the renderer
  TOKEN_MODULE_NOT_FOUND: {
    'zh-CN': '未找到 USB-KEY 驱动（PKCS#11 模块）。请安装 USB-KEY 驱动，或在“设置”中填写模块路径',
    en: 'No USB-KEY driver (PKCS#11 module) was found. Install your USB-KEY driver or set its path in Settings',
  },
  TOKEN_MODULE_LOAD_FAILED: {
    'zh-CN': '无法加载 USB-KEY 驱动 {path}：{cause}',
    en: 'Cannot load the USB-KEY driver {path}: {cause}',
  },
  TOKEN_NOT_PRESENT: {
    'zh-CN': '未检测到 USB-KEY，或 USB-KEY 已被拔出，请插入后重试',
    en: 'No USB-KEY found, or it was removed; insert it and try again',
  },
  TOKEN_PIN_INCORRECT: { 'zh-CN': 'USB-KEY 密码错误', en: 'Wrong USB-KEY PIN' },
  TOKEN_PIN_INCORRECT_COUNT_LOW: {
    'zh-CN': 'USB-KEY 密码错误，剩余尝试次数已不多，请谨慎输入',
    en: 'Wrong USB-KEY PIN; few tries are left, type carefully',
  },
  TOKEN_PIN_INCORRECT_FINAL_TRY: {
    'zh-CN': 'USB-KEY 密码错误，只剩最后一次机会，再错将锁定 USB-KEY',
    en: 'Wrong USB-KEY PIN — one last try left; another wrong PIN locks the USB-KEY',
  },
  TOKEN_PIN_LOCKED: {
    'zh-CN': 'USB-KEY 密码已锁定，请携带 USB-KEY 到银行柜面办理解锁',
    en: 'The USB-KEY PIN is locked; take the USB-KEY to the bank counter to unlock it',
  },
  TOKEN_PIN_FORMAT: {
    'zh-CN': 'USB-KEY 密码长度或格式不符合要求',
    en: 'The USB-KEY PIN has the wrong length or format',
  },
  TOKEN_NOT_LOGGED_IN: {
    'zh-CN': 'USB-KEY 未登录，请重新输入密码',
    en: 'The USB-KEY is not logged in; enter the PIN again',
  },
  TOKEN_DEVICE_ERROR: {
    'zh-CN': 'USB-KEY 设备错误（{ckr}），请重新插拔后重试',
    en: 'USB-KEY device error ({ckr}); unplug it, plug it in again and retry',
  },
  TOKEN_FUNCTION_FAILED: {
    'zh-CN': 'USB-KEY 操作失败（{ckr}）',
    en: 'The USB-KEY operation failed ({ckr})',
  },
  TOKEN_MECHANISM_UNSUPPORTED: {
    'zh-CN': '此 USB-KEY 不支持所需的签名算法',
    en: 'This USB-KEY does not support the signature algorithm needed',
  },
  TOKEN_NO_CERTIFICATE: {
    'zh-CN': 'USB-KEY 中没有找到您的证书（序列号 {serial}）',
    en: 'Your certificate (serial {serial}) is not on this USB-KEY',
  },
  TOKEN_KEY_NOT_FOUND: {
    'zh-CN': '证书没有对应的私钥（CKA_ID {keyId}），请到银行柜面重新发放 USB-KEY',
    en: 'No private key pairs with the certificate (CKA_ID {keyId}); have the bank counter issue the USB-KEY again',
  },
  TOKEN_KEY_AMBIGUOUS: {
    'zh-CN': '证书对应了多个私钥（CKA_ID {keyId}），无法确定用哪一个签名',
    en: 'Several private keys pair with the certificate (CKA_ID {keyId}); SettleKey cannot tell which one signs',
  },
  TOKEN_HOST_CRASHED: {
    'zh-CN': 'USB-KEY 驱动异常退出，已自动重启。请重新操作',
    en: 'The USB-KEY driver crashed and was restarted; please try again',
  },
  TOKEN_HOST_TIMEOUT: {
    'zh-CN': 'USB-KEY 长时间无响应，已重启驱动进程，请重新操作',
    en: 'The USB-KEY did not answer in time; its driver process was restarted, please try again',
  },
  TOKEN_FILE_PASSWORD: {
    'zh-CN': '文件证书密码错误',
    en: 'Wrong password for the file certificate',
  },
  // certificates and signatures — enforced by the service
  CERT_NOT_FOUND: { 'zh-CN': '证书 {serial} 不存在', en: 'Certificate {serial} does not exist' },
  CERT_NOT_OWNED: {
    'zh-CN': '签名所用的证书不属于当前用户',
    en: 'The certificate that signed does not belong to this user',
  },
  CERT_REVOKED: {
    'zh-CN': '证书已被吊销，请到银行柜面办理',
    en: 'The certificate has been revoked; see the bank counter',
  },
  CERT_REISSUE_AT_COUNTER: {
    'zh-CN': '该用户的证书已被吊销，新证书须到银行柜面核实身份后签发',
    en: "This user's certificate was revoked; a new one is issued only at the bank counter, after checking who asks",
  },
  CERT_EXPIRED: {
    'zh-CN': '证书已过期或尚未生效，请到银行柜面更新',
    en: 'The certificate has expired or is not yet valid; see the bank counter',
  },
  CERT_NOT_ACTIVATED: {
    'zh-CN': '证书尚未签收，请先完成证书签收',
    en: 'The certificate has not been signed off yet; sign it off first',
  },
  CERT_NONE_ISSUED: {
    'zh-CN': '您还没有可用的数字证书（USB-KEY），请到银行柜面办理',
    en: 'You have no usable certificate (USB-KEY) yet; the bank counter issues it',
  },
  CERT_ALREADY_ACTIVATED: { 'zh-CN': '证书已签收', en: 'The certificate is already signed off' },
  CERT_CSR_INVALID: { 'zh-CN': '证书请求无效：{reason}', en: 'Invalid certificate request: {reason}' },
  CERT_UNTRUSTED: {
    'zh-CN': '该证书不是本行 CA 签发的，不予受理',
    en: "This certificate was not issued by the bank's CA",
  },
  // the bank's keys (CA, document signing) — reported when the service starts or signs
  BANK_KEYS_NOT_CONFIGURED: {
    'zh-CN':
      '未配置银行 HSM，结算服务拒绝启动。请设置 {settings}（PIN 文件权限须为 0600）；只有演示启动（--demo）可以不用 HSM',
    en: 'No bank HSM is configured, so the settlement service will not start. Set {settings} (a PIN file must have mode 0600); only a demo start (--demo) may run without an HSM',
  },
  BANK_HSM_SETTING_MISSING: {
    'zh-CN': '银行 HSM 设置不完整，缺少：{missing}',
    en: 'The bank HSM settings are incomplete; missing: {missing}',
  },
  BANK_HSM_PIN_TWICE: {
    'zh-CN': 'SETTLEKEY_HSM_PIN 与 SETTLEKEY_HSM_PIN_FILE 只能设置其中一个',
    en: 'Set only one of SETTLEKEY_HSM_PIN and SETTLEKEY_HSM_PIN_FILE',
  },
  BANK_SECRET_FILE_MODE: {
    'zh-CN': '{file} 的权限为 {mode}，他人可读，拒绝使用：权限须为 0600（仅属主可读写）',
    en: '{file} has mode {mode}, readable by others, and is refused: it must be 0600 (owner only)',
  },
  BANK_HSM_TOKEN_NOT_FOUND: {
    'zh-CN': '银行 HSM（{module}）中没有标签为“{token}”的令牌，请检查 SETTLEKEY_HSM_TOKEN',
    en: 'The bank HSM ({module}) has no token labelled "{token}"; check SETTLEKEY_HSM_TOKEN',
  },
  BANK_HSM_FAILED: {
    'zh-CN': '银行 HSM 令牌“{token}”操作失败：{cause}',
    en: 'The bank HSM token "{token}" failed: {cause}',
  },
  BANK_KEY_MISSING: {
    'zh-CN': '数据库登记的银行密钥 {key} 不在{where}中；服务不会因设置有误而另建 CA，请检查 HSM 设置',
    en: 'The bank key {key} recorded in the database is not in {where}; the service does not make a new CA because of a setting — check the HSM settings',
  },
  SIGNATURE_MISSING: { 'zh-CN': '缺少 USB-KEY 签名', en: 'The USB-KEY signature is missing' },
  SIGNATURE_INVALID: {
    'zh-CN': '签名验证失败：签名后的内容被修改，或签名不是由该证书生成',
    en: 'Signature verification failed: the content changed after signing, or another key signed it',
  },
  CHALLENGE_UNKNOWN: { 'zh-CN': '签名挑战码无效', en: 'Unknown signing challenge' },
  CHALLENGE_REUSED: {
    'zh-CN': '签名挑战码已使用过，请重新签名',
    en: 'This signing challenge was already used; sign again',
  },
  CHALLENGE_EXPIRED: {
    'zh-CN': '签名挑战码已超过 5 分钟有效期，请重新签名',
    en: 'The signing challenge is older than 5 minutes; sign again',
  },
  SIGNATURE_TIME_SKEW: {
    'zh-CN': '签名时间与银行时间相差超过 5 分钟，请校准电脑时间',
    en: "The signing time differs from the bank's by more than 5 minutes; check your computer's clock",
  },
  AUTH_CERTIFICATE_STEP_REQUIRED: {
    'zh-CN': '请先用 USB-KEY 完成证书验证',
    en: 'Verify with your USB-KEY first',
  },
  // browser shell / IPC
  IPC_UNKNOWN_METHOD: { 'zh-CN': '未知的调用：{method}', en: 'Unknown call: {method}' },
  IPC_FORBIDDEN: { 'zh-CN': '拒绝来自未授权页面的调用', en: 'Call refused: it did not come from SettleKey' },
  // money
  MONEY_EMPTY: { 'zh-CN': '请输入金额', en: 'Enter an amount' },
  MONEY_FORMAT: {
    'zh-CN': '金额格式不正确，例如 1,234.56',
    en: 'The amount is not a number like 1,234.56',
  },
  MONEY_NEGATIVE: { 'zh-CN': '金额不能为负数', en: 'The amount cannot be negative' },
  MONEY_DECIMALS: { 'zh-CN': '金额最多两位小数', en: 'The amount has at most two decimals' },
  MONEY_TOO_LARGE: {
    'zh-CN': '金额不能超过 999,999,999,999.99 元',
    en: 'The amount cannot exceed 999,999,999,999.99 yuan',
  },
  MONEY_ZERO: { 'zh-CN': '金额必须大于零', en: 'The amount must be greater than zero' },
  // field rules (used in VALIDATION details and form messages)
  RULE_REQUIRED: { 'zh-CN': '{field}不能为空', en: '{field} is required' },
  RULE_TYPE: { 'zh-CN': '{field}类型不正确', en: '{field} has the wrong type' },
  RULE_TOO_LONG: { 'zh-CN': '{field}最多 {max} 个字符', en: '{field} has at most {max} characters' },
  RULE_TOO_SHORT: { 'zh-CN': '{field}至少 {min} 个字符', en: '{field} has at least {min} characters' },
  RULE_FORMAT: { 'zh-CN': '{field}格式不正确', en: '{field} is not in the right format' },
  RULE_UNKNOWN_FIELD: { 'zh-CN': '不应包含字段 {field}', en: 'Unexpected field {field}' },
  LOGIN_NAME_RULE: {
    'zh-CN': '登录名须以非数字开头，只能由字母（区分大小写）、数字、点、@、减号或下划线组成，长度 {min}–{max} 位',
    en: "A login name starts with a non-digit and has {min}–{max} letters (case-sensitive), digits, '.', '@', '-' or '_'",
  },
  PASSWORD_RULE: {
    'zh-CN': '密码须为 {min}–{max} 位，由字母和数字组成，且同时包含字母和数字',
    en: 'A password has {min}–{max} characters, letters and digits only, with at least one of each',
  },
} satisfies Record<string, Messages>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export type ErrorParams = Record<string, string | number>;

/** One failing field, as the service and the forms report it. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

/** What crosses every boundary (HTTP, IPC) when something is refused. */
export interface AppErrorShape {
  code: ErrorCode;
  message: string;
  params?: ErrorParams;
  fields?: FieldIssue[];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, value);
}

export function interpolate(template: string, params: ErrorParams = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

export function errorMessage(code: ErrorCode, lang: Lang, params?: ErrorParams): string {
  return interpolate(ERROR_MESSAGES[code][lang], params);
}

/** A thrown, typed error; its shape is what goes over the wire. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly params?: ErrorParams;
  readonly fields?: FieldIssue[];
  constructor(code: ErrorCode, params?: ErrorParams, fields?: FieldIssue[]) {
    super(errorMessage(code, 'en', params));
    this.name = 'AppError';
    this.code = code;
    this.params = params;
    this.fields = fields;
  }
  toShape(lang: Lang): AppErrorShape {
    return {
      code: this.code,
      message: errorMessage(this.code, lang, this.params),
      ...(this.params ? { params: this.params } : {}),
      // A field refused by this error's own rule is worded in the caller's language too.
      ...(this.fields
        ? {
            fields: this.fields.map((f) =>
              f.rule === this.code ? { ...f, message: errorMessage(this.code, lang, this.params) } : f,
            ),
          }
        : {}),
    };
  }
  static fromShape(shape: AppErrorShape): AppError {
    const code = isErrorCode(shape.code) ? shape.code : 'INTERNAL';
    return new AppError(code, shape.params, shape.fields);
  }
}

/** Picks the language from an Accept-Language header; zh-CN unless English comes first. */
export function langFromHeader(header: string | undefined): Lang {
  if (!header) return 'zh-CN';
  const first = header.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}
