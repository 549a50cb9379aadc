/*
 * core/str.h - length-counted strings (STYLE 17).
 *
 * An hv_str_t never owns its bytes and is never assumed NUL-terminated;
 * print it with "%.*s", (int) s.len, s.data.
 */
#ifndef HV_STR_H
#define HV_STR_H

typedef struct {
    size_t len;
    unsigned char *data;
} hv_str_t;

/* A name/value pair, as used for headers and "key value" tables. */
typedef struct {
    hv_str_t key;
    hv_str_t value;
} hv_keyval_t;

#define hv_string(s)                         \
    {                                        \
        sizeof(s) - 1, (unsigned char *) (s) \
    }
#define hv_null_string \
    {                  \
        0, NULL        \
    }
#define hv_str_set(str, text)                   \
    do {                                        \
        (str)->len = sizeof(text) - 1;          \
        (str)->data = (unsigned char *) (text); \
    } while (0)

#define hv_tolower(c) ((c) >= 'A' && (c) <= 'Z' ? ((c) | 0x20) : (c))
#define hv_toupper(c) ((c) >= 'a' && (c) <= 'z' ? ((c) & ~0x20) : (c))

/* true when the two strings are equal byte for byte */
bool hv_str_eq(const hv_str_t *a, const hv_str_t *b);

/* true when s equals the NUL-terminated text, byte for byte */
bool hv_str_eq_cstr(const hv_str_t *s, const char *text);

/* ASCII case-insensitive equality of s and the NUL-terminated text */
bool hv_str_caseeq_cstr(const hv_str_t *s, const char *text);

/* ASCII case-insensitive compare of n bytes: <0, 0, >0 like strncasecmp */
int hv_strncasecmp(const unsigned char *a, const unsigned char *b, size_t n);

/* lower-cases n bytes from src into dst (they may be the same buffer) */
void hv_strlow(unsigned char *dst, const unsigned char *src, size_t n);

/*
 * Parses a non-negative decimal integer that fills the whole string.
 * Returns HV_ERROR on an empty string, a non-digit, or a value above max.
 */
int64_t hv_atoi(const unsigned char *p, size_t n, int64_t max);

/* Same for hexadecimal digits (used by chunk sizes); HV_ERROR on error. */
int64_t hv_hextoi(const unsigned char *p, size_t n, int64_t max);

/*
 * Writes the decimal form of v into buf (at least 21 bytes) and returns a
 * pointer just past the last digit; nothing is NUL-terminated.
 */
unsigned char *hv_sprint_uint(unsigned char *buf, uint64_t v);

/* Copies n bytes and returns dst + n (memcpy that chains). */
static inline unsigned char *
hv_cpymem(unsigned char *dst, const void *src, size_t n)
{
    if (n == 0) {
        return dst;
    }
    memcpy(dst, src, n);
    return dst + n;
}

#endif /* HV_STR_H */
