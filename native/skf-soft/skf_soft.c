/*
 * SettleKey's software SKF device: a SIMULATOR of a GM/T 0016 USB-KEY for the
 * tests and the demo. Nothing here is a secure token: keys are PEM files that
 * anyone with the folder can read (mode 0600 only). Real USB-KEYs are reached
 * through the vendor's own SKF library with the same TypeScript driver.
 *
 * Storage, under $SETTLEKEY_SKF_SOFT_DIR (read at every SKF_EnumDev,
 * SKF_ConnectDev and SKFSOFT_CreateDevice; default $HOME/.settlekey-skf-soft):
 *
 *   <device>/device.conf              label=, serial=
 *   <device>/<application>/app.conf   PINs: salted PBKDF2-SHA256 hashes, retry counts
 *   <device>/<application>/<container>/sign-key.pem, sign.cer, enc.cer
 *
 * A device is inserted while its folder exists; removing the folder pulls it
 * out, and every later call on its handles answers SAR_DEVICE_REMOVED. Files
 * are replaced by writing a temporary file and renaming it, and PIN counters
 * are updated under flock(), since two processes may share a device folder.
 *
 * This file: handles, the folder store, devices, applications, PINs,
 * containers and certificates. skf_sm2.c: keys, digests and signatures.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "skf_internal.h"

#define PIN_MIN_LEN 6
#define PIN_MAX_LEN 16
#define PIN_RETRY_MAX 15
#define PBKDF2_ITERATIONS 20000
#define SALT_LEN 16
#define PIN_HASH_LEN 32

/* ---------------------------------------------------------------- handles */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static skf_object *g_objects;

void skf_lock(void) { pthread_mutex_lock(&g_lock); }
void skf_unlock(void) { pthread_mutex_unlock(&g_lock); }

void *skf_object_new(enum skf_kind kind, size_t size, skf_object *parent) {
    skf_object *o = calloc(1, size);
    if (!o) return NULL;
    o->kind = kind;
    o->parent = parent;
    o->next = g_objects;
    g_objects = o;
    return o;
}

void skf_object_free(skf_object *o) {
    /* children first: a closed device takes its applications, containers and hashes with it */
    for (skf_object *c = g_objects; c;) {
        if (c->parent == o) {
            skf_object_free(c);
            c = g_objects;
        } else {
            c = c->next;
        }
    }
    for (skf_object **p = &g_objects; *p; p = &(*p)->next) {
        if (*p == o) {
            *p = o->next;
            break;
        }
    }
    if (o->kind == SKF_HASH) skf_hash_release((skf_hash *)o);
    free(o);
}

/* Only pointers this library gave out and has not freed are followed. */
static skf_object *find_object(const void *h, enum skf_kind kind) {
    for (skf_object *o = g_objects; o; o = o->next)
        if (o == h && o->kind == kind) return o;
    return NULL;
}

static int device_present(const skf_device *d) {
    struct stat st;
    return stat(d->path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == d->st_dev && st.st_ino == d->st_ino;
}

ULONG skf_get_device(DEVHANDLE h, skf_device **out) {
    skf_device *d = (skf_device *)find_object(h, SKF_DEV);
    if (!d) return SAR_INVALIDHANDLEERR;
    if (!device_present(d)) return SAR_DEVICE_REMOVED;
    *out = d;
    return SAR_OK;
}

static ULONG get_app(HAPPLICATION h, skf_application **out) {
    skf_application *a = (skf_application *)find_object(h, SKF_APP);
    if (!a) return SAR_INVALIDHANDLEERR;
    if (!device_present(a->dev)) return SAR_DEVICE_REMOVED;
    *out = a;
    return SAR_OK;
}

ULONG skf_get_container(HCONTAINER h, skf_container **out) {
    skf_container *c = (skf_container *)find_object(h, SKF_CON);
    if (!c) return SAR_INVALIDHANDLEERR;
    if (!device_present(c->app->dev)) return SAR_DEVICE_REMOVED;
    *out = c;
    return SAR_OK;
}

ULONG skf_get_hash(HANDLE h, skf_hash **out) {
    skf_hash *x = (skf_hash *)find_object(h, SKF_HASH);
    if (!x) return SAR_INVALIDHANDLEERR;
    if (!device_present(x->dev)) return SAR_DEVICE_REMOVED;
    *out = x;
    return SAR_OK;
}

/* ----------------------------------------------------------------- files */

int skf_path(char *out, const char *dir, const char *name) {
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    return n > 0 && n < PATH_MAX ? 0 : -1;
}

int skf_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The whole file, NUL-terminated (so text can be parsed in place); the caller frees it. */
int skf_read_file(const char *path, unsigned char **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    unsigned char *buf = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size + 4096 + 1 > cap) {
            unsigned char *grown = realloc(buf, cap = size + 4096 + 1);
            if (!grown) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = grown;
        }
        size_t n = fread(buf + size, 1, 4096, f);
        size += n;
        if (n < 4096) break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return -1;
    }
    buf[size] = 0;
    *data = buf;
    *len = size;
    return 0;
}

/* Temporary file, fsync, rename: a reader sees the old file or the new one, never half of one. */
int skf_write_file(const char *path, const void *data, size_t len, mode_t mode) {
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", path, (long)getpid(), (unsigned long)pthread_self());
    if (n < 0 || n >= (int)sizeof tmp) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* "key=value" lines; the value runs to the end of its line. */
static int conf_get(const char *text, const char *key, char *out, size_t outlen) {
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *next = strchr(line, '\n');
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            const char *v = line + klen + 1;
            size_t vlen = strcspn(v, "\n");
            if (vlen >= outlen) return -1;
            memcpy(out, v, vlen);
            out[vlen] = 0;
            return 0;
        }
        line = next ? next + 1 : NULL;
    }
    return -1;
}

/* Device, application and container names become folder names. */
static int valid_name(const char *s, size_t max) {
    if (!s) return 0;
    size_t n = strlen(s);
    if (n == 0 || n > max || s[0] == '.') return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\') return 0;
    return 1;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* The folders in dir (not hidden ones: temporary folders start with a dot), sorted. */
static int list_folders(const char *dir, char ***out, size_t *count) {
    DIR *d = opendir(dir);
    *out = NULL;
    *count = 0;
    if (!d) return errno == ENOENT ? 0 : -1;
    char **names = NULL;
    size_t n = 0;
    int failed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || skf_path(path, dir, e->d_name) != 0) continue;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        char *copy = grown ? strdup(e->d_name) : NULL;
        if (grown) names = grown;
        if (!copy) {
            failed = 1;
            break;
        }
        names[n++] = copy;
    }
    closedir(d);
    if (failed) {
        free_names(names, n);
        return -1;
    }
    if (n > 1) qsort(names, n, sizeof *names, by_name);
    *out = names;
    *count = n;
    return 0;
}

/* GM/T 0016's name lists: each name NUL-terminated, one more NUL at the end. */
static ULONG put_name_list(char **names, size_t n, LPSTR out, ULONG *pulSize) {
    if (!pulSize) return SAR_INVALIDPARAMERR;
    size_t need = 1;
    for (size_t i = 0; i < n; i++) need += strlen(names[i]) + 1;
    if (!out) {
        *pulSize = (ULONG)need;
        return SAR_OK;
    }
    if (*pulSize < need) {
        *pulSize = (ULONG)need;
        return SAR_BUFFER_TOO_SMALL;
    }
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]) + 1;
        memcpy(p, names[i], len);
        p += len;
    }
    *p = 0;
    *pulSize = (ULONG)need;
    return SAR_OK;
}

static ULONG enum_folders(const char *dir, LPSTR out, ULONG *pulSize) {
    char **names;
    size_t n;
    if (list_folders(dir, &names, &n) != 0) return SAR_READFILEERR;
    ULONG rv = put_name_list(names, n, out, pulSize);
    free_names(names, n);
    return rv;
}

/* Removes a folder and the files in it (container folders hold only files). */
static int remove_folder(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (skf_path(path, dir, e->d_name) == 0) unlink(path);
    }
    closedir(d);
    return rmdir(dir);
}

/* --------------------------------------------------------------- devices */

static int base_dir(char *out) {
    const char *dir = getenv("SETTLEKEY_SKF_SOFT_DIR");
    int n;
    if (dir && *dir) {
        n = snprintf(out, PATH_MAX, "%s", dir);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) return -1;
        n = snprintf(out, PATH_MAX, "%s/.settlekey-skf-soft", home);
    }
    return n > 0 && n < PATH_MAX ? 0 : -1;
}

/*
 * Where a device's folder is: <base>/<name>, or — SettleKey's extension, for a
 * service's own device (the bank's SM2 HSM stand-in) that must never show in
 * a user's device list — the absolute folder path given as the name.
 */
static int absolute_device(const char *name) {
    return name && name[0] == '/' && strlen(name) < PATH_MAX && !strstr(name, "/.");
}

static int device_path(const char *name, char *base, char *path) {
    if (absolute_device(name)) {
        snprintf(path, PATH_MAX, "%s", name);
        snprintf(base, PATH_MAX, "%s", name);
        char *slash = strrchr(base, '/');
        if (slash == base) slash[1] = '\0';
        else *slash = '\0';
        const char *last = strrchr(name, '/') + 1;
        return valid_name(last, SKF_DEVICE_NAME_MAX) ? 0 : -1;
    }
    if (!valid_name(name, SKF_DEVICE_NAME_MAX)) return -1;
    return base_dir(base) == 0 && skf_path(path, base, name) == 0 ? 0 : -1;
}

static int device_conf(const skf_device *d, char *label, char *serial) {
    char path[PATH_MAX];
    unsigned char *text;
    size_t len;
    if (skf_path(path, d->path, "device.conf") != 0 || skf_read_file(path, &text, &len) != 0) return -1;
    int rv = conf_get((char *)text, "label", label, 32) == 0 && conf_get((char *)text, "serial", serial, 32) == 0 ? 0 : -1;
    free(text);
    return rv;
}

static int write_device_conf(const char *dir, const char *label, const char *serial) {
    char path[PATH_MAX], text[128];
    int n = snprintf(text, sizeof text, "label=%s\nserial=%s\n", label, serial);
    if (n < 0 || n >= (int)sizeof text || skf_path(path, dir, "device.conf") != 0) return -1;
    return skf_write_file(path, text, (size_t)n, 0600);
}

/* Label and serial: up to 31 printable characters (DEVINFO keeps 32 with the NUL). */
static int valid_label(const char *s) {
    if (!s || strlen(s) > 31) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

static ULONG create_device(const char *name, const char *serial) {
    char base[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    if (device_path(name, base, path) != 0 || !valid_label(serial) || !*serial) return SAR_INVALIDPARAMERR;
    const char *label = absolute_device(name) ? strrchr(name, '/') + 1 : name;
    if (strlen(label) > 31) return SAR_INVALIDPARAMERR;
    if (mkdir(base, 0700) != 0 && errno != EEXIST) return SAR_WRITEFILEERR;
    if (skf_exists(path)) return SAR_FILE_ALREADY_EXIST;
    /* made whole in a hidden folder, then renamed: no one sees a device without its device.conf */
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", base, label, (long)getpid());
    if (n < 0 || n >= (int)sizeof tmp || mkdir(tmp, 0700) != 0) return SAR_WRITEFILEERR;
    if (write_device_conf(tmp, label, serial) != 0) {
        remove_folder(tmp);
        return SAR_WRITEFILEERR;
    }
    if (rename(tmp, path) != 0) {
        int exists = errno == EEXIST || errno == ENOTEMPTY;
        remove_folder(tmp);
        return exists ? SAR_FILE_ALREADY_EXIST : SAR_WRITEFILEERR;
    }
    return SAR_OK;
}

ULONG DEVAPI SKFSOFT_CreateDevice(const char *name, const char *serial) { SKF_GUARDED(create_device(name, serial)); }

static ULONG enum_dev(BOOL bPresent, LPSTR szNameList, ULONG *pulSize) {
    char base[PATH_MAX];
    (void)bPresent; /* every device this library supports is one that is present */
    if (base_dir(base) != 0) return put_name_list(NULL, 0, szNameList, pulSize);
    return enum_folders(base, szNameList, pulSize);
}

ULONG DEVAPI SKF_EnumDev(BOOL bPresent, LPSTR szNameList, ULONG *pulSize) {
    SKF_GUARDED(enum_dev(bPresent, szNameList, pulSize));
}

static ULONG connect_dev(LPSTR szName, DEVHANDLE *phDev) {
    char base[PATH_MAX], path[PATH_MAX], conf[PATH_MAX];
    struct stat st;
    if (!phDev || device_path(szName, base, path) != 0 || skf_path(conf, path, "device.conf") != 0)
        return SAR_INVALIDPARAMERR;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || !skf_exists(conf)) return SAR_DEVICE_REMOVED;
    skf_device *d = skf_object_new(SKF_DEV, sizeof *d, NULL);
    if (!d) return SAR_MEMORYERR;
    snprintf(d->name, sizeof d->name, "%s", absolute_device(szName) ? strrchr(szName, '/') + 1 : szName);
    snprintf(d->path, sizeof d->path, "%s", path);
    d->st_dev = st.st_dev;
    d->st_ino = st.st_ino;
    *phDev = d;
    return SAR_OK;
}

ULONG DEVAPI SKF_ConnectDev(LPSTR szName, DEVHANDLE *phDev) { SKF_GUARDED(connect_dev(szName, phDev)); }

static ULONG disconnect_dev(DEVHANDLE hDev) {
    skf_object *d = find_object(hDev, SKF_DEV);
    if (!d) return SAR_INVALIDHANDLEERR;
    skf_object_free(d); /* also when the device is gone: the handle is released either way */
    return SAR_OK;
}

ULONG DEVAPI SKF_DisConnectDev(DEVHANDLE hDev) { SKF_GUARDED(disconnect_dev(hDev)); }

static ULONG get_dev_info(DEVHANDLE hDev, DEVINFO *info) {
    skf_device *d;
    char label[32], serial[32];
    ULONG rv = skf_get_device(hDev, &d);
    if (rv != SAR_OK) return rv;
    if (!info) return SAR_INVALIDPARAMERR;
    if (device_conf(d, label, serial) != 0) return SAR_READFILEERR;
    memset(info, 0, sizeof *info);
    info->Version.major = 1;
    info->Version.minor = 0;
    snprintf(info->Manufacturer, sizeof info->Manufacturer, "SettleKey SKF simulator");
    snprintf(info->Issuer, sizeof info->Issuer, "SettleKey");
    snprintf(info->Label, sizeof info->Label, "%s", label);
    snprintf(info->SerialNumber, sizeof info->SerialNumber, "%s", serial);
    info->HWVersion.major = 1;
    info->FirmwareVersion.major = 1;
    info->AlgAsymCap = SGD_SM2_1;
    info->AlgHashCap = SGD_SM3;
    info->TotalSpace = 64 * 1024;
    info->FreeSpace = 64 * 1024;
    info->MaxECCBufferSize = 256;
    info->MaxBufferSize = 64 * 1024;
    return SAR_OK;
}

ULONG DEVAPI SKF_GetDevInfo(DEVHANDLE hDev, DEVINFO *pDevInfo) { SKF_GUARDED(get_dev_info(hDev, pDevInfo)); }

static ULONG set_label(DEVHANDLE hDev, LPSTR szLabel) {
    skf_device *d;
    char label[32], serial[32];
    ULONG rv = skf_get_device(hDev, &d);
    if (rv != SAR_OK) return rv;
    if (!valid_label(szLabel)) return SAR_INVALIDPARAMERR;
    if (device_conf(d, label, serial) != 0) return SAR_READFILEERR;
    return write_device_conf(d->path, szLabel, serial) == 0 ? SAR_OK : SAR_WRITEFILEERR;
}

ULONG DEVAPI SKF_SetLabel(DEVHANDLE hDev, LPSTR szLabel) { SKF_GUARDED(set_label(hDev, szLabel)); }

/* Another process may update the same PIN counter: read-modify-write under flock on the device. */
static int lock_device(const skf_device *d) {
    char path[PATH_MAX];
    if (skf_path(path, d->path, ".lock") != 0) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void unlock_device(int fd) {
    if (fd >= 0) close(fd); /* closing releases the flock */
}

/* ------------------------------------------------------------------- PINs */

typedef struct {
    unsigned char salt[SALT_LEN];
    unsigned char hash[PIN_HASH_LEN];
    ULONG max_retries;
    ULONG remaining;
    int is_default; /* still the PIN set when the application was made */
} pin_record;

typedef struct {
    pin_record admin, user;
} app_pins;

static ULONG check_new_pin(const char *pin) {
    if (!pin) return SAR_INVALIDPARAMERR;
    size_t n = strlen(pin);
    if (n < PIN_MIN_LEN || n > PIN_MAX_LEN) return SAR_PIN_LEN_RANGE;
    for (const unsigned char *p = (const unsigned char *)pin; *p; p++)
        if (*p < 0x21 || *p > 0x7e) return SAR_PIN_INVALID;
    return SAR_OK;
}

static int pin_hash(const char *pin, const unsigned char *salt, unsigned char *out) {
    return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, SALT_LEN, PBKDF2_ITERATIONS, EVP_sha256(), PIN_HASH_LEN,
                             out) == 1
               ? 0
               : -1;
}

static int pin_set(pin_record *r, const char *pin) {
    if (RAND_bytes(r->salt, SALT_LEN) != 1) return -1;
    return pin_hash(pin, r->salt, r->hash);
}

static int pin_matches(const pin_record *r, const char *pin) {
    unsigned char h[PIN_HASH_LEN];
    if (!pin || strlen(pin) > 256 || pin_hash(pin, r->salt, h) != 0) return 0;
    int same = CRYPTO_memcmp(h, r->hash, PIN_HASH_LEN) == 0;
    OPENSSL_cleanse(h, sizeof h);
    return same;
}

static void hex_encode(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

static int hex_decode(const char *in, unsigned char *out, size_t n) {
    if (strlen(in) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned int byte;
        if (sscanf(in + 2 * i, "%2x", &byte) != 1) return -1;
        out[i] = (unsigned char)byte;
    }
    return 0;
}

static int pin_read(const char *text, const char *who, pin_record *r) {
    char key[32], value[80];
    snprintf(key, sizeof key, "%s_salt", who);
    if (conf_get(text, key, value, sizeof value) != 0 || hex_decode(value, r->salt, SALT_LEN) != 0) return -1;
    snprintf(key, sizeof key, "%s_hash", who);
    if (conf_get(text, key, value, sizeof value) != 0 || hex_decode(value, r->hash, PIN_HASH_LEN) != 0) return -1;
    snprintf(key, sizeof key, "%s_max", who);
    if (conf_get(text, key, value, sizeof value) != 0) return -1;
    r->max_retries = (ULONG)strtoul(value, NULL, 10);
    snprintf(key, sizeof key, "%s_remaining", who);
    if (conf_get(text, key, value, sizeof value) != 0) return -1;
    r->remaining = (ULONG)strtoul(value, NULL, 10);
    snprintf(key, sizeof key, "%s_default", who);
    r->is_default = conf_get(text, key, value, sizeof value) == 0 && strcmp(value, "1") == 0;
    return 0;
}

static int pins_load(const char *app_dir, app_pins *pins) {
    char path[PATH_MAX];
    unsigned char *text;
    size_t len;
    if (skf_path(path, app_dir, "app.conf") != 0 || skf_read_file(path, &text, &len) != 0) return -1;
    int rv = pin_read((char *)text, "admin", &pins->admin) == 0 && pin_read((char *)text, "user", &pins->user) == 0
                 ? 0
                 : -1;
    free(text);
    return rv;
}

static int pins_save(const char *app_dir, const app_pins *pins) {
    char path[PATH_MAX], text[1024];
    const pin_record *r[2] = {&pins->admin, &pins->user};
    const char *who[2] = {"admin", "user"};
    size_t used = 0;
    for (int i = 0; i < 2; i++) {
        char salt[2 * SALT_LEN + 1], hash[2 * PIN_HASH_LEN + 1];
        hex_encode(r[i]->salt, SALT_LEN, salt);
        hex_encode(r[i]->hash, PIN_HASH_LEN, hash);
        int n = snprintf(text + used, sizeof text - used,
                         "%s_salt=%s\n%s_hash=%s\n%s_max=%u\n%s_remaining=%u\n%s_default=%d\n", who[i], salt, who[i],
                         hash, who[i], r[i]->max_retries, who[i], r[i]->remaining, who[i], r[i]->is_default);
        if (n < 0 || (size_t)n >= sizeof text - used) return -1;
        used += (size_t)n;
    }
    if (skf_path(path, app_dir, "app.conf") != 0) return -1;
    return skf_write_file(path, text, used, 0600);
}

/*
 * Checks a PIN against the stored one and counts: a wrong PIN takes one try
 * (SAR_PIN_INCORRECT, or SAR_PIN_LOCKED when that was the last); a locked PIN
 * is refused whatever is typed; a right one gives every try back.
 */
static ULONG pin_check(const skf_application *a, app_pins *pins, ULONG type, const char *pin, ULONG *retry) {
    if (type != ADMIN_TYPE && type != USER_TYPE) return SAR_USER_TYPE_INVALID;
    if (!pin) return SAR_INVALIDPARAMERR;
    pin_record *r = type == ADMIN_TYPE ? &pins->admin : &pins->user;
    if (r->remaining == 0) {
        if (retry) *retry = 0;
        return SAR_PIN_LOCKED;
    }
    if (!pin_matches(r, pin)) {
        r->remaining--;
        if (retry) *retry = r->remaining;
        if (pins_save(a->path, pins) != 0) return SAR_WRITEFILEERR;
        return r->remaining == 0 ? SAR_PIN_LOCKED : SAR_PIN_INCORRECT;
    }
    if (retry) *retry = r->max_retries;
    if (r->remaining != r->max_retries) {
        r->remaining = r->max_retries;
        if (pins_save(a->path, pins) != 0) return SAR_WRITEFILEERR;
    }
    return SAR_OK;
}

static ULONG verify_pin(HAPPLICATION h, ULONG type, LPSTR pin, ULONG *retry) {
    skf_application *a;
    app_pins pins;
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    int fd = lock_device(a->dev);
    if (fd < 0) return SAR_FILEERR;
    rv = pins_load(a->path, &pins) == 0 ? pin_check(a, &pins, type, pin, retry) : SAR_READFILEERR;
    unlock_device(fd);
    if (rv == SAR_OK) {
        if (type == ADMIN_TYPE) a->admin_logged_in = 1;
        else a->user_logged_in = 1;
    }
    return rv;
}

ULONG DEVAPI SKF_VerifyPIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szPIN, ULONG *pulRetryCount) {
    SKF_GUARDED(verify_pin(hApplication, ulPINType, szPIN, pulRetryCount));
}

static ULONG change_pin(HAPPLICATION h, ULONG type, LPSTR old_pin, LPSTR new_pin, ULONG *retry) {
    skf_application *a;
    app_pins pins;
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    if ((rv = check_new_pin(new_pin)) != SAR_OK) return rv;
    int fd = lock_device(a->dev);
    if (fd < 0) return SAR_FILEERR;
    rv = pins_load(a->path, &pins) == 0 ? pin_check(a, &pins, type, old_pin, retry) : SAR_READFILEERR;
    if (rv == SAR_OK) {
        pin_record *r = type == ADMIN_TYPE ? &pins.admin : &pins.user;
        r->is_default = 0;
        if (pin_set(r, new_pin) != 0 || pins_save(a->path, &pins) != 0) rv = SAR_WRITEFILEERR;
    }
    unlock_device(fd);
    return rv;
}

ULONG DEVAPI SKF_ChangePIN(HAPPLICATION hApplication, ULONG ulPINType, LPSTR szOldPin, LPSTR szNewPin,
                           ULONG *pulRetryCount) {
    SKF_GUARDED(change_pin(hApplication, ulPINType, szOldPin, szNewPin, pulRetryCount));
}

static ULONG get_pin_info(HAPPLICATION h, ULONG type, ULONG *max, ULONG *remaining, BOOL *is_default) {
    skf_application *a;
    app_pins pins;
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    if (type != ADMIN_TYPE && type != USER_TYPE) return SAR_USER_TYPE_INVALID;
    if (!max || !remaining || !is_default) return SAR_INVALIDPARAMERR;
    if (pins_load(a->path, &pins) != 0) return SAR_READFILEERR;
    const pin_record *r = type == ADMIN_TYPE ? &pins.admin : &pins.user;
    *max = r->max_retries;
    *remaining = r->remaining;
    *is_default = r->is_default ? TRUE : FALSE;
    return SAR_OK;
}

ULONG DEVAPI SKF_GetPINInfo(HAPPLICATION hApplication, ULONG ulPINType, ULONG *pulMaxRetryCount,
                            ULONG *pulRemainRetryCount, BOOL *pbDefaultPin) {
    SKF_GUARDED(get_pin_info(hApplication, ulPINType, pulMaxRetryCount, pulRemainRetryCount, pbDefaultPin));
}

/* The admin PIN (counted like any PIN) sets a new user PIN and gives back all of its tries. */
static ULONG unblock_pin(HAPPLICATION h, LPSTR admin_pin, LPSTR new_user_pin, ULONG *retry) {
    skf_application *a;
    app_pins pins;
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    if ((rv = check_new_pin(new_user_pin)) != SAR_OK) return rv;
    int fd = lock_device(a->dev);
    if (fd < 0) return SAR_FILEERR;
    rv = pins_load(a->path, &pins) == 0 ? pin_check(a, &pins, ADMIN_TYPE, admin_pin, retry) : SAR_READFILEERR;
    if (rv == SAR_OK) {
        pins.user.remaining = pins.user.max_retries;
        pins.user.is_default = 1; /* a PIN the bank set: the holder should change it */
        if (pin_set(&pins.user, new_user_pin) != 0 || pins_save(a->path, &pins) != 0) rv = SAR_WRITEFILEERR;
    }
    unlock_device(fd);
    return rv;
}

ULONG DEVAPI SKF_UnblockPIN(HAPPLICATION hApplication, LPSTR szAdminPIN, LPSTR szNewUserPIN, ULONG *pulRetryCount) {
    SKF_GUARDED(unblock_pin(hApplication, szAdminPIN, szNewUserPIN, pulRetryCount));
}

static ULONG clear_secure_state(HAPPLICATION h) {
    skf_application *a = (skf_application *)find_object(h, SKF_APP);
    if (!a) return SAR_INVALIDHANDLEERR;
    a->user_logged_in = 0; /* also when the device is gone */
    a->admin_logged_in = 0;
    return SAR_OK;
}

ULONG DEVAPI SKF_ClearSecureState(HAPPLICATION hApplication) { SKF_GUARDED(clear_secure_state(hApplication)); }

/* ---------------------------------------------------------- applications */

static ULONG open_app_handle(skf_device *d, const char *name, HAPPLICATION *ph) {
    skf_application *a = skf_object_new(SKF_APP, sizeof *a, &d->o);
    if (!a) return SAR_MEMORYERR;
    a->dev = d;
    snprintf(a->name, sizeof a->name, "%s", name);
    if (skf_path(a->path, d->path, name) != 0) {
        skf_object_free(&a->o);
        return SAR_INVALIDPARAMERR;
    }
    *ph = a;
    return SAR_OK;
}

/*
 * A real USB-KEY wants SKF_DevAuth (the device authentication key) before it
 * makes an application; the simulator has no device key and does not ask.
 * dwCreateFileRights is accepted and not kept: the simulator has no file API.
 */
static ULONG create_application(DEVHANDLE hDev, LPSTR name, LPSTR admin_pin, DWORD admin_retries, LPSTR user_pin,
                                DWORD user_retries, HAPPLICATION *ph) {
    skf_device *d;
    char path[PATH_MAX], tmp[PATH_MAX];
    app_pins pins;
    ULONG rv = skf_get_device(hDev, &d);
    if (rv != SAR_OK) return rv;
    if (!ph) return SAR_INVALIDPARAMERR;
    if (!valid_name(name, SKF_APP_NAME_MAX)) return SAR_APPLICATION_NAME_INVALID;
    if ((rv = check_new_pin(admin_pin)) != SAR_OK || (rv = check_new_pin(user_pin)) != SAR_OK) return rv;
    if (admin_retries < 1 || admin_retries > PIN_RETRY_MAX || user_retries < 1 || user_retries > PIN_RETRY_MAX)
        return SAR_INVALIDPARAMERR;
    if (skf_path(path, d->path, name) != 0) return SAR_APPLICATION_NAME_INVALID;
    if (skf_exists(path)) return SAR_APPLICATION_EXISTS;
    memset(&pins, 0, sizeof pins);
    pins.admin.max_retries = pins.admin.remaining = admin_retries;
    pins.user.max_retries = pins.user.remaining = user_retries;
    pins.admin.is_default = pins.user.is_default = 1;
    if (pin_set(&pins.admin, admin_pin) != 0 || pin_set(&pins.user, user_pin) != 0) return SAR_FAIL;
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", d->path, name, (long)getpid());
    if (n < 0 || n >= (int)sizeof tmp || mkdir(tmp, 0700) != 0) return SAR_WRITEFILEERR;
    if (pins_save(tmp, &pins) != 0) {
        remove_folder(tmp);
        return SAR_WRITEFILEERR;
    }
    if (rename(tmp, path) != 0) {
        int exists = errno == EEXIST || errno == ENOTEMPTY;
        remove_folder(tmp);
        return exists ? SAR_APPLICATION_EXISTS : SAR_WRITEFILEERR;
    }
    return open_app_handle(d, name, ph);
}

ULONG DEVAPI SKF_CreateApplication(DEVHANDLE hDev, LPSTR szAppName, LPSTR szAdminPin, DWORD dwAdminPinRetryCount,
                                   LPSTR szUserPin, DWORD dwUserPinRetryCount, DWORD dwCreateFileRights,
                                   HAPPLICATION *phApplication) {
    (void)dwCreateFileRights;
    SKF_GUARDED(create_application(hDev, szAppName, szAdminPin, dwAdminPinRetryCount, szUserPin, dwUserPinRetryCount,
                                   phApplication));
}

static ULONG enum_application(DEVHANDLE hDev, LPSTR out, ULONG *pulSize) {
    skf_device *d;
    ULONG rv = skf_get_device(hDev, &d);
    return rv != SAR_OK ? rv : enum_folders(d->path, out, pulSize);
}

ULONG DEVAPI SKF_EnumApplication(DEVHANDLE hDev, LPSTR szAppName, ULONG *pulSize) {
    SKF_GUARDED(enum_application(hDev, szAppName, pulSize));
}

static ULONG open_application(DEVHANDLE hDev, LPSTR name, HAPPLICATION *ph) {
    skf_device *d;
    char path[PATH_MAX], conf[PATH_MAX];
    ULONG rv = skf_get_device(hDev, &d);
    if (rv != SAR_OK) return rv;
    if (!ph) return SAR_INVALIDPARAMERR;
    if (!valid_name(name, SKF_APP_NAME_MAX)) return SAR_APPLICATION_NAME_INVALID;
    if (skf_path(path, d->path, name) != 0 || skf_path(conf, path, "app.conf") != 0 || !skf_exists(conf))
        return SAR_APPLICATION_NOT_EXISTS;
    return open_app_handle(d, name, ph);
}

ULONG DEVAPI SKF_OpenApplication(DEVHANDLE hDev, LPSTR szAppName, HAPPLICATION *phApplication) {
    SKF_GUARDED(open_application(hDev, szAppName, phApplication));
}

static ULONG close_application(HAPPLICATION h) {
    skf_object *a = find_object(h, SKF_APP);
    if (!a) return SAR_INVALIDHANDLEERR;
    skf_object_free(a); /* its security state goes with it */
    return SAR_OK;
}

ULONG DEVAPI SKF_CloseApplication(HAPPLICATION hApplication) { SKF_GUARDED(close_application(hApplication)); }

/* ------------------------------------------------------------ containers */

static ULONG open_container_handle(skf_application *a, const char *name, HCONTAINER *ph) {
    skf_container *c = skf_object_new(SKF_CON, sizeof *c, &a->o);
    if (!c) return SAR_MEMORYERR;
    c->app = a;
    snprintf(c->name, sizeof c->name, "%s", name);
    if (skf_path(c->path, a->path, name) != 0) {
        skf_object_free(&c->o);
        return SAR_INVALIDPARAMERR;
    }
    *ph = c;
    return SAR_OK;
}

static ULONG container_name_ok(const char *name) {
    if (!name) return SAR_INVALIDPARAMERR;
    if (strlen(name) == 0 || strlen(name) > SKF_CONTAINER_NAME_MAX) return SAR_NAMELENERR;
    return valid_name(name, SKF_CONTAINER_NAME_MAX) ? SAR_OK : SAR_INVALIDPARAMERR;
}

static ULONG create_container(HAPPLICATION h, LPSTR name, HCONTAINER *ph) {
    skf_application *a;
    char path[PATH_MAX];
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    if (!ph) return SAR_INVALIDPARAMERR;
    if ((rv = container_name_ok(name)) != SAR_OK) return rv;
    if (!a->user_logged_in) return SAR_USER_NOT_LOGGED_IN;
    if (skf_path(path, a->path, name) != 0) return SAR_NAMELENERR;
    if (mkdir(path, 0700) != 0) return errno == EEXIST ? SAR_FILE_ALREADY_EXIST : SAR_WRITEFILEERR;
    return open_container_handle(a, name, ph);
}

ULONG DEVAPI SKF_CreateContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER *phContainer) {
    SKF_GUARDED(create_container(hApplication, szContainerName, phContainer));
}

static ULONG delete_container(HAPPLICATION h, LPSTR name) {
    skf_application *a;
    char path[PATH_MAX], gone[PATH_MAX];
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    if ((rv = container_name_ok(name)) != SAR_OK) return rv;
    if (!a->user_logged_in) return SAR_USER_NOT_LOGGED_IN;
    if (skf_path(path, a->path, name) != 0 || !skf_exists(path)) return SAR_FILE_NOT_EXIST;
    /* renamed away first, so no one opens a container that is half deleted */
    int n = snprintf(gone, sizeof gone, "%s/.%s.deleted.%ld", a->path, name, (long)getpid());
    if (n < 0 || n >= (int)sizeof gone || rename(path, gone) != 0) return SAR_WRITEFILEERR;
    return remove_folder(gone) == 0 ? SAR_OK : SAR_WRITEFILEERR;
}

ULONG DEVAPI SKF_DeleteContainer(HAPPLICATION hApplication, LPSTR szContainerName) {
    SKF_GUARDED(delete_container(hApplication, szContainerName));
}

static ULONG enum_container(HAPPLICATION h, LPSTR out, ULONG *pulSize) {
    skf_application *a;
    ULONG rv = get_app(h, &a);
    return rv != SAR_OK ? rv : enum_folders(a->path, out, pulSize);
}

ULONG DEVAPI SKF_EnumContainer(HAPPLICATION hApplication, LPSTR szContainerName, ULONG *pulSize) {
    SKF_GUARDED(enum_container(hApplication, szContainerName, pulSize));
}

static ULONG open_container(HAPPLICATION h, LPSTR name, HCONTAINER *ph) {
    skf_application *a;
    char path[PATH_MAX];
    ULONG rv = get_app(h, &a);
    if (rv != SAR_OK) return rv;
    if (!ph) return SAR_INVALIDPARAMERR;
    if ((rv = container_name_ok(name)) != SAR_OK) return rv;
    if (skf_path(path, a->path, name) != 0 || !skf_exists(path)) return SAR_FILE_NOT_EXIST;
    return open_container_handle(a, name, ph);
}

ULONG DEVAPI SKF_OpenContainer(HAPPLICATION hApplication, LPSTR szContainerName, HCONTAINER *phContainer) {
    SKF_GUARDED(open_container(hApplication, szContainerName, phContainer));
}

static ULONG close_container(HCONTAINER h) {
    skf_object *c = find_object(h, SKF_CON);
    if (!c) return SAR_INVALIDHANDLEERR;
    skf_object_free(c);
    return SAR_OK;
}

ULONG DEVAPI SKF_CloseContainer(HCONTAINER hContainer) { SKF_GUARDED(close_container(hContainer)); }

static ULONG get_container_type(HCONTAINER h, ULONG *type) {
    skf_container *c;
    char path[PATH_MAX];
    ULONG rv = skf_get_container(h, &c);
    if (rv != SAR_OK) return rv;
    if (!type || skf_path(path, c->path, SKF_SIGN_KEY_FILE) != 0) return SAR_INVALIDPARAMERR;
    *type = skf_exists(path) ? CONTAINER_TYPE_ECC : CONTAINER_TYPE_EMPTY;
    return SAR_OK;
}

ULONG DEVAPI SKF_GetContainerType(HCONTAINER hContainer, ULONG *pulContainerType) {
    SKF_GUARDED(get_container_type(hContainer, pulContainerType));
}

/* ---------------------------------------------------------- certificates */

static ULONG import_certificate(HCONTAINER h, BOOL sign, BYTE *cert, ULONG len) {
    skf_container *c;
    char path[PATH_MAX];
    ULONG rv = skf_get_container(h, &c);
    if (rv != SAR_OK) return rv;
    if (!cert || len == 0) return SAR_INVALIDPARAMERR;
    if (!c->app->user_logged_in) return SAR_USER_NOT_LOGGED_IN;
    /* one whole DER certificate, nothing after it */
    const unsigned char *p = cert;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int whole = x != NULL && p == cert + len;
    X509_free(x);
    if (!whole) return SAR_INDATAERR;
    if (skf_path(path, c->path, sign ? SKF_SIGN_CERT_FILE : SKF_ENC_CERT_FILE) != 0) return SAR_INVALIDPARAMERR;
    return skf_write_file(path, cert, len, 0644) == 0 ? SAR_OK : SAR_WRITEFILEERR;
}

ULONG DEVAPI SKF_ImportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert, ULONG ulCertLen) {
    SKF_GUARDED(import_certificate(hContainer, bSignFlag, pbCert, ulCertLen));
}

static ULONG export_certificate(HCONTAINER h, BOOL sign, BYTE *out, ULONG *pulLen) {
    skf_container *c;
    char path[PATH_MAX];
    unsigned char *der;
    size_t len;
    ULONG rv = skf_get_container(h, &c);
    if (rv != SAR_OK) return rv;
    if (!pulLen) return SAR_INVALIDPARAMERR;
    if (skf_path(path, c->path, sign ? SKF_SIGN_CERT_FILE : SKF_ENC_CERT_FILE) != 0) return SAR_INVALIDPARAMERR;
    if (skf_read_file(path, &der, &len) != 0) return errno == ENOENT ? SAR_CERTNOTFOUNTERR : SAR_READFILEERR;
    if (!out) {
        *pulLen = (ULONG)len;
    } else if (*pulLen < len) {
        *pulLen = (ULONG)len;
        rv = SAR_BUFFER_TOO_SMALL;
    } else {
        memcpy(out, der, len);
        *pulLen = (ULONG)len;
    }
    free(der);
    return rv;
}

ULONG DEVAPI SKF_ExportCertificate(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbCert, ULONG *pulCertLen) {
    SKF_GUARDED(export_certificate(hContainer, bSignFlag, pbCert, pulCertLen));
}
