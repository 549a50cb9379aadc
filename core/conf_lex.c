/*
 * core/conf_lex.c - cuts a configuration text into statements of words
 * (STYLE 25).
 *
 * The syntax is nginx's.  Words are separated by whitespace; ';' ends a
 * statement, '{' ends one that opens a block, '}' closes a block; '#' at
 * the start of a word comments out the rest of the line.  A word that
 * starts with " or ' runs to the matching quote and may hold any of those
 * characters; the closing quote must be followed by whitespace, ';', '{'
 * or '}'.  "${name}" is kept verbatim for the variable layer, braces
 * included.
 *
 * Escapes, in quoted and bare words alike: \" \' \\ \n \r \t become the
 * one character.  A backslash before anything else is kept together with
 * that character, so regular expressions ("\d+\.html") need no doubling;
 * the escaped character still loses its special meaning, so "a\;b" is the
 * single word a\;b (both as in nginx).  A NUL byte is refused: words are
 * handed to C APIs as NUL-terminated strings.
 *
 * Each word is scanned once to find its end and decoded length, then
 * decoded into an exact-size copy in cf->pool (configurations keep
 * pointers to words, the input buffer does not outlive the parse).
 */
#include "core/core.h"
#include "core/conf_internal.h"


static int hv_conf_lex_word(hv_conf_t *cf, hv_conf_lex_t *lx, hv_array_t *args);
static int hv_conf_lex_quoted(
    hv_conf_t *cf, hv_conf_lex_t *lx, const unsigned char **end, size_t *len);
static int hv_conf_lex_bare(
    hv_conf_t *cf, hv_conf_lex_t *lx, const unsigned char **end, size_t *len);
static size_t hv_conf_lex_copy(
    unsigned char *dst, const unsigned char *p, const unsigned char *end);
static void hv_conf_lex_skip(hv_conf_lex_t *lx);
static int hv_conf_lex_unexpected(
    hv_conf_t *cf, hv_conf_lex_t *lx, unsigned char ch);
static int hv_conf_lex_error(hv_conf_t *cf, hv_conf_lex_t *lx, hv_uint_t line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));


static bool
hv_conf_lex_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}


/* The characters that end a bare word (and must follow a closing quote). */
static bool
hv_conf_lex_delim(unsigned char ch)
{
    return hv_conf_lex_space(ch) || ch == ';' || ch == '{' || ch == '}';
}


/* true and the decoded byte when "\ch" is one of the known escapes */
static bool
hv_conf_lex_escape(unsigned char ch, unsigned char *out)
{
    switch (ch) {
        case '"':
        case '\'':
        case '\\':
            *out = ch;
            return true;
        case 'n':
            *out = '\n';
            return true;
        case 'r':
            *out = '\r';
            return true;
        case 't':
            *out = '\t';
            return true;
        default:
            return false;
    }
}


void
hv_conf_lex_init(hv_conf_lex_t *lx, const hv_str_t *name,
    const unsigned char *buf, size_t len)
{
    lx->start = buf;
    lx->pos = buf;
    lx->end = buf + len;
    lx->name = *name;
    lx->line = 1;
    lx->scan_line = 1;
}


int
hv_conf_lex_next(hv_conf_t *cf, hv_conf_lex_t *lx, hv_array_t *args)
{
    unsigned char ch;

    args->nelts = 0;

    for (;;) {
        hv_conf_lex_skip(lx);

        if (lx->pos == lx->end) {
            if (args->nelts > 0) {
                return hv_conf_lex_error(cf, lx, lx->scan_line,
                    "unexpected end of file, expecting \";\" or \"}\"");
            }
            lx->line = lx->scan_line;
            return HV_CONF_FILE_DONE;
        }

        ch = *lx->pos;

        /* errors about the whole statement point at its first word */
        if (args->nelts == 0) {
            lx->line = lx->scan_line;
        }

        switch (ch) {
            case ';':
                if (args->nelts == 0) {
                    return hv_conf_lex_unexpected(cf, lx, ch);
                }
                lx->pos++;
                return HV_OK;

            case '{':
                if (args->nelts == 0) {
                    return hv_conf_lex_unexpected(cf, lx, ch);
                }
                lx->pos++;
                return HV_CONF_BLOCK_START;

            case '}':
                if (args->nelts > 0) {
                    return hv_conf_lex_unexpected(cf, lx, ch);
                }
                lx->pos++;
                return HV_CONF_BLOCK_DONE;

            default:
                if (hv_conf_lex_word(cf, lx, args) != HV_OK) {
                    return HV_ERROR;
                }
                break;
        }
    }
}


/* Skips whitespace and comments, counting lines. */
static void
hv_conf_lex_skip(hv_conf_lex_t *lx)
{
    while (lx->pos < lx->end) {
        if (*lx->pos == '#') {
            while (lx->pos < lx->end && *lx->pos != '\n') {
                lx->pos++;
            }
            continue;
        }

        if (!hv_conf_lex_space(*lx->pos)) {
            return;
        }

        if (*lx->pos == '\n') {
            lx->scan_line++;
        }
        lx->pos++;
    }
}


/* Reads one word at lx->pos into a new element of args. */
static int
hv_conf_lex_word(hv_conf_t *cf, hv_conf_lex_t *lx, hv_array_t *args)
{
    const unsigned char *start, *end;
    hv_uint_t line;
    hv_str_t *word;
    size_t len;
    int rc;

    line = lx->scan_line;
    end = NULL;
    len = 0;

    if (args->nelts >= HV_CONF_MAX_ARGS) {
        return hv_conf_lex_error(cf, lx, line,
            "too many words in a directive, the limit is %d", HV_CONF_MAX_ARGS);
    }

    if (*lx->pos == '"' || *lx->pos == '\'') {
        start = lx->pos + 1;
        rc = hv_conf_lex_quoted(cf, lx, &end, &len);

    } else {
        start = lx->pos;
        rc = hv_conf_lex_bare(cf, lx, &end, &len);
    }

    if (rc != HV_OK) {
        return HV_ERROR;
    }

    if (len > HV_CONF_MAX_WORD) {
        return hv_conf_lex_error(cf, lx, line,
            "word too long, the limit is %d bytes", HV_CONF_MAX_WORD);
    }

    word = hv_array_push(args);
    if (word == NULL) {
        return HV_ERROR;
    }

    word->data = hv_pnalloc(cf->pool, len + 1);
    if (word->data == NULL) {
        args->nelts--;
        return HV_ERROR;
    }

    word->len = hv_conf_lex_copy(word->data, start, end);
    word->data[word->len] = '\0';

    return HV_OK;
}


/*
 * Scans a quoted word from its opening quote at lx->pos: sets *end to the
 * closing quote and *len to the decoded length, and moves past the quote.
 */
static int
hv_conf_lex_quoted(
    hv_conf_t *cf, hv_conf_lex_t *lx, const unsigned char **end, size_t *len)
{
    const unsigned char *p;
    unsigned char quote, ch, dummy;
    hv_uint_t line;
    size_t n;

    quote = *lx->pos;
    line = lx->scan_line;
    n = 0;

    for (p = lx->pos + 1; p < lx->end && *p != quote; p++) {
        ch = *p;

        if (ch == '\\' && p + 1 < lx->end) {
            ch = *++p;
            n += hv_conf_lex_escape(ch, &dummy) ? 1 : 2;
        } else {
            n++;
        }

        if (ch == '\0') {
            return hv_conf_lex_error(
                cf, lx, lx->scan_line, "unexpected NUL byte");
        }
        if (ch == '\n') {
            lx->scan_line++;
        }
    }

    if (p == lx->end) {
        return hv_conf_lex_error(
            cf, lx, line, "unexpected end of file, unterminated quoted string");
    }

    *end = p;
    *len = n;
    lx->pos = p + 1;

    if (lx->pos < lx->end && !hv_conf_lex_delim(*lx->pos)) {
        return hv_conf_lex_unexpected(cf, lx, *lx->pos);
    }

    return HV_OK;
}


/*
 * Scans a bare word at lx->pos: sets *end past its last byte and *len to
 * the decoded length, and leaves lx->pos at *end.  Inside "${...}" a '}'
 * belongs to the word.
 */
static int
hv_conf_lex_bare(
    hv_conf_t *cf, hv_conf_lex_t *lx, const unsigned char **end, size_t *len)
{
    const unsigned char *p;
    unsigned char ch, dummy;
    bool in_var;
    size_t n;

    n = 0;
    in_var = false;
    p = lx->pos;

    while (p < lx->end) {
        ch = *p;

        if (ch == '}' && in_var) {
            in_var = false;

        } else if (hv_conf_lex_delim(ch)) {
            break;

        } else if (ch == '$' && p + 1 < lx->end && p[1] == '{') {
            in_var = true;
            n++;
            p++;

        } else if (ch == '\\' && p + 1 < lx->end) {
            ch = *++p;
            n += hv_conf_lex_escape(ch, &dummy) ? 0 : 1;
            if (ch == '\n') {
                lx->scan_line++;
            }
        }

        if (ch == '\0') {
            return hv_conf_lex_error(
                cf, lx, lx->scan_line, "unexpected NUL byte");
        }

        n++;
        p++;
    }

    *end = p;
    *len = n;
    lx->pos = p;

    return HV_OK;
}


/* Decodes the escapes of [p, end) into dst; returns the length written. */
static size_t
hv_conf_lex_copy(
    unsigned char *dst, const unsigned char *p, const unsigned char *end)
{
    unsigned char *d;

    d = dst;

    while (p < end) {
        if (*p == '\\' && p + 1 < end) {
            if (!hv_conf_lex_escape(p[1], d)) {
                *d++ = *p;
                d[0] = p[1];
            }
            d++;
            p += 2;
            continue;
        }

        *d++ = *p++;
    }

    return (size_t) (d - dst);
}


static int
hv_conf_lex_unexpected(hv_conf_t *cf, hv_conf_lex_t *lx, unsigned char ch)
{
    if (ch >= 0x20 && ch < 0x7f) {
        return hv_conf_lex_error(
            cf, lx, lx->scan_line, "unexpected \"%c\"", ch);
    }

    return hv_conf_lex_error(
        cf, lx, lx->scan_line, "unexpected \"\\x%02x\"", ch);
}


/*
 * Logs a lexing error at line and returns HV_ERROR.  The lexer may run on
 * an input that is not (yet) cf->lex, so it is put there for the log call.
 */
static int
hv_conf_lex_error(
    hv_conf_t *cf, hv_conf_lex_t *lx, hv_uint_t line, const char *fmt, ...)
{
    hv_conf_lex_t *saved;
    char msg[256];
    va_list args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    lx->line = line;
    saved = cf->lex;
    cf->lex = lx;
    hv_conf_log_error(HV_LOG_EMERG, cf, 0, "%s", msg);
    cf->lex = saved;

    return HV_ERROR;
}
