/*
 * The simulator's cryptography, on OpenSSL 3: SM2 key pairs in containers,
 * SM3 digests with the GM/T 0009 preprocessing (Z), SM2 signatures over a
 * 32-byte digest, and their verification. See skf_soft.c for the store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "skf_internal.h"

#define SM2_BYTES 32
#define SM3_BYTES 32
/* 256-bit values sit right-aligned in the blobs' 64-byte fields */
#define BLOB_OFFSET (ECC_MAX_XCOORDINATE_BITS_LEN / 8 - SM2_BYTES)

/* The curve of GM/T 0003.5: a, b and the base point G, for Z. */
static const unsigned char SM2_A[SM2_BYTES] = {
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC};
static const unsigned char SM2_B[SM2_BYTES] = {
    0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
    0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93};
static const unsigned char SM2_GX[SM2_BYTES] = {
    0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
    0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7};
static const unsigned char SM2_GY[SM2_BYTES] = {
    0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
    0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0};

/* ------------------------------------------------------------------ keys */

static ULONG load_sign_key(const skf_container *c, EVP_PKEY **out) {
    char path[PATH_MAX];
    unsigned char *pem;
    size_t len;
    if (skf_path(path, c->path, SKF_SIGN_KEY_FILE) != 0) return SAR_INVALIDPARAMERR;
    if (skf_read_file(path, &pem, &len) != 0) return errno == ENOENT ? SAR_KEYNOTFOUNTERR : SAR_READFILEERR;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    *out = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(pem, len);
    free(pem);
    return *out ? SAR_OK : SAR_READFILEERR;
}

static ULONG public_blob(EVP_PKEY *key, ECCPUBLICKEYBLOB *blob) {
    BIGNUM *x = NULL, *y = NULL;
    ULONG rv = SAR_FAIL;
    memset(blob, 0, sizeof *blob);
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
        BN_bn2binpad(x, blob->XCoordinate + BLOB_OFFSET, SM2_BYTES) == SM2_BYTES &&
        BN_bn2binpad(y, blob->YCoordinate + BLOB_OFFSET, SM2_BYTES) == SM2_BYTES) {
        blob->BitLen = 256;
        rv = SAR_OK;
    }
    BN_free(x);
    BN_free(y);
    return rv;
}

/* A blob must hold a 256-bit key: nothing left of the right-aligned 32 bytes. */
static int blob_is_sm2(const ECCPUBLICKEYBLOB *blob) {
    if (blob->BitLen != 256) return 0;
    for (int i = 0; i < BLOB_OFFSET; i++)
        if (blob->XCoordinate[i] || blob->YCoordinate[i]) return 0;
    return 1;
}

static EVP_PKEY *key_from_blob(const ECCPUBLICKEYBLOB *blob) {
    unsigned char point[1 + 2 * SM2_BYTES];
    char group[] = "SM2";
    EVP_PKEY *key = NULL;
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, blob->XCoordinate + BLOB_OFFSET, SM2_BYTES);
    memcpy(point + 1 + SM2_BYTES, blob->YCoordinate + BLOB_OFFSET, SM2_BYTES);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* A new SM2 signing key pair replaces the container's old one, whose certificate no longer fits it. */
static ULONG gen_ecc_key_pair(HCONTAINER h, ULONG alg, ECCPUBLICKEYBLOB *blob) {
    skf_container *c;
    char path[PATH_MAX], cert[PATH_MAX];
    EVP_PKEY *key = NULL;
    BIO *bio = NULL;
    ULONG rv = skf_get_container(h, &c);
    if (rv != SAR_OK) return rv;
    if (alg != SGD_SM2_1) return SAR_NOTSUPPORTYETERR;
    if (!blob) return SAR_INVALIDPARAMERR;
    if (!c->app->user_logged_in) return SAR_USER_NOT_LOGGED_IN;
    if (skf_path(path, c->path, SKF_SIGN_KEY_FILE) != 0 || skf_path(cert, c->path, SKF_SIGN_CERT_FILE) != 0)
        return SAR_INVALIDPARAMERR;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    rv = SAR_FAIL;
    if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_generate(ctx, &key) == 1 &&
        (bio = BIO_new(BIO_s_secmem())) != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        char *pem;
        long len = BIO_get_mem_data(bio, &pem);
        rv = public_blob(key, blob);
        if (rv == SAR_OK && skf_write_file(path, pem, (size_t)len, 0600) != 0) rv = SAR_WRITEFILEERR;
        if (rv == SAR_OK) unlink(cert);
    }
    BIO_free(bio); /* a secure-memory BIO clears its buffer when freed */
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(ctx);
    return rv;
}

ULONG DEVAPI SKF_GenECCKeyPair(HCONTAINER hContainer, ULONG ulAlgId, ECCPUBLICKEYBLOB *pBlob) {
    SKF_GUARDED(gen_ecc_key_pair(hContainer, ulAlgId, pBlob));
}

/* Public: no PIN needed. The simulator has signing keys only (bSignFlag FALSE finds none). */
static ULONG export_public_key(HCONTAINER h, BOOL sign, BYTE *out, ULONG *pulLen) {
    skf_container *c;
    EVP_PKEY *key = NULL;
    ULONG rv = skf_get_container(h, &c);
    if (rv != SAR_OK) return rv;
    if (!pulLen) return SAR_INVALIDPARAMERR;
    if (!sign) return SAR_KEYNOTFOUNTERR;
    if (!out) {
        *pulLen = sizeof(ECCPUBLICKEYBLOB);
        return SAR_OK;
    }
    if (*pulLen < sizeof(ECCPUBLICKEYBLOB)) {
        *pulLen = sizeof(ECCPUBLICKEYBLOB);
        return SAR_BUFFER_TOO_SMALL;
    }
    if ((rv = load_sign_key(c, &key)) != SAR_OK) return rv;
    ECCPUBLICKEYBLOB blob;
    rv = public_blob(key, &blob);
    EVP_PKEY_free(key);
    if (rv == SAR_OK) {
        memcpy(out, &blob, sizeof blob);
        *pulLen = sizeof blob;
    }
    return rv;
}

ULONG DEVAPI SKF_ExportPublicKey(HCONTAINER hContainer, BOOL bSignFlag, BYTE *pbBlob, ULONG *pulBlobLen) {
    SKF_GUARDED(export_public_key(hContainer, bSignFlag, pbBlob, pulBlobLen));
}

/* --------------------------------------------------------------- digests */

void skf_hash_release(skf_hash *h) {
    EVP_MD_CTX_free(h->md_ctx);
    h->md_ctx = NULL;
}

/* Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), GM/T 0009 §5.5 / GM/T 0003.2 §5.5. */
static int sm2_z(const ECCPUBLICKEYBLOB *key, const BYTE *id, ULONG id_len, unsigned char *z) {
    unsigned char entl[2] = {(unsigned char)((id_len * 8) >> 8), (unsigned char)(id_len * 8)};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sm3(), NULL) == 1 && EVP_DigestUpdate(ctx, entl, 2) == 1 &&
             (id_len == 0 || EVP_DigestUpdate(ctx, id, id_len) == 1) &&
             EVP_DigestUpdate(ctx, SM2_A, SM2_BYTES) == 1 && EVP_DigestUpdate(ctx, SM2_B, SM2_BYTES) == 1 &&
             EVP_DigestUpdate(ctx, SM2_GX, SM2_BYTES) == 1 && EVP_DigestUpdate(ctx, SM2_GY, SM2_BYTES) == 1 &&
             EVP_DigestUpdate(ctx, key->XCoordinate + BLOB_OFFSET, SM2_BYTES) == 1 &&
             EVP_DigestUpdate(ctx, key->YCoordinate + BLOB_OFFSET, SM2_BYTES) == 1 &&
             EVP_DigestFinal_ex(ctx, z, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

/*
 * SGD_SM3 only. With the signer's public key (and ID), the digest begins
 * with Z, so SKF_Digest gives e = SM3(Z ‖ M), the value SM2 signs.
 */
static ULONG digest_init(DEVHANDLE hDev, ULONG alg, ECCPUBLICKEYBLOB *key, BYTE *id, ULONG id_len, HANDLE *ph) {
    skf_device *d;
    unsigned char z[SM3_BYTES];
    ULONG rv = skf_get_device(hDev, &d);
    if (rv != SAR_OK) return rv;
    if (alg != SGD_SM3) return SAR_NOTSUPPORTYETERR;
    if (!ph) return SAR_INVALIDPARAMERR;
    if (key) {
        /* ENTL is two bytes of bits: the ID is at most 8191 bytes */
        if (!blob_is_sm2(key) || (id_len > 0 && !id) || id_len > 8191) return SAR_INVALIDPARAMERR;
        if (sm2_z(key, id, id_len, z) != 0) return SAR_HASHERR;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sm3(), NULL) != 1 || (key && EVP_DigestUpdate(ctx, z, SM3_BYTES) != 1)) {
        EVP_MD_CTX_free(ctx);
        return SAR_HASHERR;
    }
    skf_hash *h = skf_object_new(SKF_HASH, sizeof *h, &d->o);
    if (!h) {
        EVP_MD_CTX_free(ctx);
        return SAR_MEMORYERR;
    }
    h->dev = d;
    h->md_ctx = ctx;
    *ph = h;
    return SAR_OK;
}

ULONG DEVAPI SKF_DigestInit(DEVHANDLE hDev, ULONG ulAlgID, ECCPUBLICKEYBLOB *pPubKey, BYTE *pbID, ULONG ulIDLen,
                            HANDLE *phHash) {
    SKF_GUARDED(digest_init(hDev, ulAlgID, pPubKey, pbID, ulIDLen, phHash));
}

/* One-shot: the data, then the digest; the handle is spent after it (SKF_CloseHandle frees it). */
static ULONG digest(HANDLE hHash, BYTE *data, ULONG len, BYTE *out, ULONG *pulLen) {
    skf_hash *h;
    ULONG rv = skf_get_hash(hHash, &h);
    if (rv != SAR_OK) return rv;
    if (!pulLen || (len > 0 && !data)) return SAR_INVALIDPARAMERR;
    if (!out) {
        *pulLen = SM3_BYTES;
        return SAR_OK;
    }
    if (*pulLen < SM3_BYTES) {
        *pulLen = SM3_BYTES;
        return SAR_BUFFER_TOO_SMALL;
    }
    if (h->finished) return SAR_HASHOBJERR;
    h->finished = 1;
    if ((len > 0 && EVP_DigestUpdate(h->md_ctx, data, len) != 1) || EVP_DigestFinal_ex(h->md_ctx, out, NULL) != 1)
        return SAR_HASHERR;
    *pulLen = SM3_BYTES;
    return SAR_OK;
}

ULONG DEVAPI SKF_Digest(HANDLE hHash, BYTE *pbData, ULONG ulDataLen, BYTE *pbHashData, ULONG *pulHashLen) {
    SKF_GUARDED(digest(hHash, pbData, ulDataLen, pbHashData, pulHashLen));
}

/* Hash handles are the only kind SKF_CloseHandle closes here. */
static ULONG close_handle(HANDLE h) {
    skf_hash *x;
    ULONG rv = skf_get_hash(h, &x);
    if (rv == SAR_DEVICE_REMOVED) rv = SAR_OK; /* released all the same */
    else if (rv != SAR_OK) return rv;
    skf_object_free((skf_object *)h);
    return rv;
}

ULONG DEVAPI SKF_CloseHandle(HANDLE hHandle) { SKF_GUARDED(close_handle(hHandle)); }

/* ------------------------------------------------------------ signatures */

/*
 * Signs e, the 32-byte digest SKF_Digest gave: OpenSSL 3's EVP_PKEY_sign on an
 * SM2 key takes its input as e. Its DER (r, s) becomes the blob's r ‖ s.
 */
static ULONG ecc_sign_data(HCONTAINER h, BYTE *dgst, ULONG len, ECCSIGNATUREBLOB *sig_blob) {
    skf_container *c;
    EVP_PKEY *key = NULL;
    unsigned char der[128];
    size_t der_len = sizeof der;
    ECDSA_SIG *sig = NULL;
    ULONG rv = skf_get_container(h, &c);
    if (rv != SAR_OK) return rv;
    if (!dgst || !sig_blob) return SAR_INVALIDPARAMERR;
    if (len != SM3_BYTES) return SAR_INDATALENERR;
    if (!c->app->user_logged_in) return SAR_USER_NOT_LOGGED_IN;
    if ((rv = load_sign_key(c, &key)) != SAR_OK) return rv;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    const unsigned char *p = der;
    rv = SAR_FAIL;
    if (ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, der, &der_len, dgst, len) == 1 &&
        (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) != NULL) {
        const BIGNUM *r, *s;
        ECDSA_SIG_get0(sig, &r, &s);
        memset(sig_blob, 0, sizeof *sig_blob);
        if (BN_bn2binpad(r, sig_blob->r + BLOB_OFFSET, SM2_BYTES) == SM2_BYTES &&
            BN_bn2binpad(s, sig_blob->s + BLOB_OFFSET, SM2_BYTES) == SM2_BYTES)
            rv = SAR_OK;
    }
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return rv;
}

ULONG DEVAPI SKF_ECCSignData(HCONTAINER hContainer, BYTE *pbDigest, ULONG ulDigestLen, ECCSIGNATUREBLOB *pSignature) {
    SKF_GUARDED(ecc_sign_data(hContainer, pbDigest, ulDigestLen, pSignature));
}

/* The signature over the 32-byte digest e; a signature that does not verify is SAR_FAIL. */
static ULONG ecc_verify(DEVHANDLE hDev, ECCPUBLICKEYBLOB *key_blob, BYTE *data, ULONG len, ECCSIGNATUREBLOB *sig_blob) {
    skf_device *d;
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    ECDSA_SIG *sig = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    int der_len;
    ULONG rv = skf_get_device(hDev, &d);
    if (rv != SAR_OK) return rv;
    if (!key_blob || !data || !sig_blob || !blob_is_sm2(key_blob)) return SAR_INVALIDPARAMERR;
    if (len != SM3_BYTES) return SAR_INDATALENERR;
    for (int i = 0; i < BLOB_OFFSET; i++)
        if (sig_blob->r[i] || sig_blob->s[i]) return SAR_INVALIDPARAMERR;
    rv = SAR_FAIL;
    if ((key = key_from_blob(key_blob)) == NULL) {
        rv = SAR_INVALIDPARAMERR;
    } else if ((sig = ECDSA_SIG_new()) != NULL && (r = BN_bin2bn(sig_blob->r + BLOB_OFFSET, SM2_BYTES, NULL)) &&
               (s = BN_bin2bn(sig_blob->s + BLOB_OFFSET, SM2_BYTES, NULL)) && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* the signature owns them now */
        if ((der_len = i2d_ECDSA_SIG(sig, &der)) > 0 && (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) &&
            EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_verify(ctx, der, (size_t)der_len, data, len) == 1)
            rv = SAR_OK;
    }
    BN_free(r);
    BN_free(s);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return rv;
}

ULONG DEVAPI SKF_ECCVerify(DEVHANDLE hDev, ECCPUBLICKEYBLOB *pECCPubKeyBlob, BYTE *pbData, ULONG ulDataLen,
                           ECCSIGNATUREBLOB *pSignature) {
    SKF_GUARDED(ecc_verify(hDev, pECCPubKeyBlob, pbData, ulDataLen, pSignature));
}
