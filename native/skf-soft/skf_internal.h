/*
 * Shared inside the simulator only: handles, the device folder store, and the
 * one lock every exported function takes (koffi's async calls run on worker
 * threads, so two calls may arrive at once).
 */
#ifndef SETTLEKEY_SKF_INTERNAL_H
#define SETTLEKEY_SKF_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* Only the API is exported (the build hides every other symbol). */
#define DEVAPI __attribute__((visibility("default")))
#include "skfapi.h"

#define SKF_DEVICE_NAME_MAX 64
#define SKF_APP_NAME_MAX 32
#define SKF_CONTAINER_NAME_MAX 64

/* Files inside a container's folder. */
#define SKF_SIGN_KEY_FILE "sign-key.pem"
#define SKF_SIGN_CERT_FILE "sign.cer"
#define SKF_ENC_CERT_FILE "enc.cer"

enum skf_kind { SKF_DEV = 1, SKF_APP, SKF_CON, SKF_HASH };

/* Every handle given out is one of these, listed until it is closed. */
typedef struct skf_object {
    enum skf_kind kind;
    struct skf_object *parent; /* closing a parent closes its children */
    struct skf_object *next;
} skf_object;

typedef struct {
    skf_object o;
    char name[SKF_DEVICE_NAME_MAX + 1];
    char path[PATH_MAX];
    dev_t st_dev; /* the folder at connect time: a re-created one is another insertion */
    ino_t st_ino;
} skf_device;

typedef struct {
    skf_object o;
    skf_device *dev;
    char name[SKF_APP_NAME_MAX + 1];
    char path[PATH_MAX];
    int user_logged_in; /* security state belongs to this handle */
    int admin_logged_in;
} skf_application;

typedef struct {
    skf_object o;
    skf_application *app;
    char name[SKF_CONTAINER_NAME_MAX + 1];
    char path[PATH_MAX];
} skf_container;

typedef struct {
    skf_object o;
    skf_device *dev;
    void *md_ctx; /* EVP_MD_CTX, freed by skf_hash_release */
    int finished;
} skf_hash;

void skf_lock(void);
void skf_unlock(void);

void *skf_object_new(enum skf_kind kind, size_t size, skf_object *parent);
void skf_object_free(skf_object *o);
ULONG skf_get_device(DEVHANDLE h, skf_device **out);
ULONG skf_get_container(HCONTAINER h, skf_container **out);
ULONG skf_get_hash(HANDLE h, skf_hash **out);
void skf_hash_release(skf_hash *h);

int skf_path(char *out, const char *dir, const char *name);
int skf_exists(const char *path);
int skf_read_file(const char *path, unsigned char **data, size_t *len);
int skf_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* Runs one exported function's body under the lock. */
#define SKF_GUARDED(call)        \
    do {                         \
        ULONG skf_rv_;           \
        skf_lock();              \
        skf_rv_ = (call);        \
        skf_unlock();            \
        return skf_rv_;          \
    } while (0)

#endif
