/*
 * tests/unit/core_conf_lex.c - core/conf_lex.c: statements, blocks,
 * comments, quoting and escapes, "${var}", FILE:LINE of statements and of
 * errors, and every lexing error with its exact message.  Inputs sit at
 * the end of a page followed by an inaccessible one, so an over-read
 * crashes.
 */
#include "tests/unit/core_conf_harness.h"


/*
 * Lexes text and renders what came out: each statement as its words in
 * <>, then ";" "{" or "}" (and "@LINE" when lines is true), separated by
 * spaces, then "EOF" or "ERROR".  Control characters in words are shown
 * as \n \r \t.
 */
static const char *
hv_test_lex(hv_test_conf_t *t, const char *text, bool lines)
{
    static char out[4096];
    static const char *term[] = { ";", "{", "}", "EOF" };
    unsigned char *buf;
    hv_conf_lex_t lx;
    hv_str_t name = hv_string("t.conf"), *w;
    hv_uint_t i;
    size_t len;
    char *p;
    int rc;

    buf = hv_tap_guarded_copy(text, strlen(text));
    hv_conf_lex_init(&lx, &name, buf, strlen(text));
    p = out;
    *p = '\0';

    do {
        rc = hv_conf_lex_next(&t->cf, &lx, t->cf.args);

        for (i = 0; rc != HV_ERROR && i < t->cf.args->nelts; i++) {
            w = (hv_str_t *) t->cf.args->elts + i;
            *p++ = '<';
            for (len = 0; len < w->len; len++) {
                switch (w->data[len]) {
                    case '\n':
                        p += sprintf(p, "\\n");
                        break;
                    case '\r':
                        p += sprintf(p, "\\r");
                        break;
                    case '\t':
                        p += sprintf(p, "\\t");
                        break;
                    default:
                        *p++ = (char) w->data[len];
                }
            }
            *p++ = '>';
        }

        if (rc == HV_ERROR) {
            p += sprintf(p, "ERROR");
            break;
        }

        p += sprintf(p, "%s", term[rc]);
        if (lines) {
            p += sprintf(p, "@%lu", (unsigned long) lx.line);
        }
        if (rc != HV_CONF_FILE_DONE) {
            *p++ = ' ';
        }
    } while (rc != HV_CONF_FILE_DONE && p < out + sizeof(out) - 512);

    *p = '\0';
    hv_tap_guarded_free(buf, strlen(text));

    return out;
}


static void
hv_test_statements(hv_test_conf_t *t)
{
    hv_tap_subtest("statements and blocks");

    T_IS_STR(hv_test_lex(t, "", false), "EOF", "empty input");
    T_IS_STR(hv_test_lex(t, " \t\r\n\n", false), "EOF", "only whitespace");
    T_IS_STR(hv_test_lex(t, "a;", false), "<a>; EOF", "one word");
    T_IS_STR(hv_test_lex(t, "a b  c\t\td;", false), "<a><b><c><d>; EOF",
        "words split on spaces and tabs");
    T_IS_STR(hv_test_lex(t, "a\nb\r\nc ;", false), "<a><b><c>; EOF",
        "and on newlines");
    T_IS_STR(hv_test_lex(t, "a;b;", false), "<a>; <b>; EOF",
        "';' ends a word and a statement");
    T_IS_STR(hv_test_lex(t, "http{server {a 1;}}", false),
        "<http>{ <server>{ <a><1>; } } EOF", "nested blocks, no spaces");
    T_IS_STR(hv_test_lex(t, "e {\n}\n", false), "<e>{ } EOF", "empty block");
    T_IS_STR(hv_test_lex(t, "}}", false), "} } EOF",
        "'}' alone is returned, the dispatcher judges it");
    T_IS_STR(hv_test_lex(t, "a;\nb c", false), "<a>; ERROR",
        "end of input inside a statement");
    T_IS_STR(hv_test_log(t),
        "[emerg] unexpected end of file, expecting "
        "\";\" or \"}\" in t.conf:2",
        "is logged");
}


static void
hv_test_comments(hv_test_conf_t *t)
{
    hv_tap_subtest("comments");

    T_IS_STR(hv_test_lex(t, "# only a comment", false), "EOF",
        "a comment without a newline at the end of the input");
    T_IS_STR(hv_test_lex(t, "a 1; # b 2;\nc 3;", false), "<a><1>; <c><3>; EOF",
        "a comment runs to the end of the line");
    T_IS_STR(hv_test_lex(t, "a #x ; {\n1;", false), "<a><1>; EOF",
        "a comment inside a statement hides ';' and '{'");
    T_IS_STR(hv_test_lex(t, "a b#c;", false), "<a><b#c>; EOF",
        "'#' inside a word is part of it");
    T_IS_STR(hv_test_lex(t, "a \"#x\" '#y';", false), "<a><#x><#y>; EOF",
        "'#' inside quotes is part of the word");
    T_IS_STR(hv_test_lex(t, "a;#c\nb;", false), "<a>; <b>; EOF",
        "a comment right after ';'");
}


static void
hv_test_quotes(hv_test_conf_t *t)
{
    hv_tap_subtest("quotes and escapes");

    T_IS_STR(hv_test_lex(t, "a \"b c\" 'd ; {e}';", false),
        "<a><b c><d ; {e}>; EOF", "quotes keep spaces, ';', braces");
    T_IS_STR(hv_test_lex(t, "a \"\" '';", false), "<a><><>; EOF",
        "empty quoted words");
    T_IS_STR(hv_test_lex(t, "a \"it's\" 'say \"hi\"';", false),
        "<a><it's><say \"hi\">; EOF", "the other quote needs no escape");
    T_IS_STR(hv_test_lex(t, "a \"q\\\"q\" 'q\\'q' \"b\\\\s\";", false),
        "<a><q\"q><q'q><b\\s>; EOF", "\\\" \\' \\\\ in quotes");
    T_IS_STR(hv_test_lex(t, "a \"1\\n2\\r3\\t4\";", false),
        "<a><1\\n2\\r3\\t4>; EOF", "\\n \\r \\t become control characters");
    T_IS_STR(hv_test_lex(t, "a \"^/\\d+\\.html$\";", false),
        "<a><^/\\d+\\.html$>; EOF", "other escapes keep their backslash");
    T_IS_STR(hv_test_lex(t, "a b\\;c d\\ e;", false), "<a><b\\;c><d\\ e>; EOF",
        "an escaped ';' or space does not end a bare word");
    T_IS_STR(hv_test_lex(t, "a b\\\"c\\n;", false), "<a><b\"c\\n>; EOF",
        "known escapes work in bare words too");
    T_IS_STR(hv_test_lex(t, "a b\"c'd;", false), "<a><b\"c'd>; EOF",
        "a quote inside a bare word is an ordinary character");
    T_IS_STR(hv_test_lex(t, "a \"x\";b 'y'{}", false), "<a><x>; <b><y>{ } EOF",
        "';' and '{' may follow a closing quote");
    T_IS_STR(hv_test_lex(t, "a \"x\\\\\";", false), "<a><x\\>; EOF",
        "an escaped backslash before the closing quote");
}


static void
hv_test_variables(hv_test_conf_t *t)
{
    hv_tap_subtest("${var} stays verbatim");

    T_IS_STR(hv_test_lex(t, "a ${host}x;", false), "<a><${host}x>; EOF",
        "braces of ${var} are part of the word");
    T_IS_STR(hv_test_lex(t, "a p${a}q${b};", false), "<a><p${a}q${b}>; EOF",
        "two variables in one word");
    T_IS_STR(hv_test_lex(t, "a \"${x} y\";", false), "<a><${x} y>; EOF",
        "in quotes");
    T_IS_STR(hv_test_lex(t, "a $x;", false), "<a><$x>; EOF", "plain $x");
    T_IS_STR(hv_test_lex(t, "a ${x;", false), "<a><${x>; EOF",
        "an unclosed ${ ends at ';' (the variable layer complains)");
    T_IS_STR(hv_test_lex(t, "b {a ${x}}", false), "<b>{ ERROR",
        "the '}' after ${x} is the word's, the next one is unexpected");
    T_IS_STR(
        hv_test_log(t), "[emerg] unexpected \"}\" in t.conf:1", "is logged");
}


static void
hv_test_lines(hv_test_conf_t *t)
{
    hv_tap_subtest("line numbers");

    T_IS_STR(hv_test_lex(t, "a;\nb;\n\n\nc;", true),
        "<a>;@1 <b>;@2 <c>;@5 EOF@5", "one line per statement");
    T_IS_STR(hv_test_lex(t, "\n\nlong\n  x\n  y;\nz;", true),
        "<long><x><y>;@3 <z>;@6 EOF@6",
        "a statement's line is that of its first word");
    T_IS_STR(hv_test_lex(t, "a \"x\ny\nz\";\nb;", true),
        "<a><x\\ny\\nz>;@1 <b>;@4 EOF@4", "newlines inside quotes count");
    T_IS_STR(hv_test_lex(t, "# c\n# d\ne {\n}\n", true), "<e>{@3 }@4 EOF@5",
        "comments and braces");
    T_IS_STR(hv_test_lex(t, "a\\\nb;\nc;", true), "<a\\\\nb>;@1 <c>;@3 EOF@3",
        "an escaped newline is kept with its backslash, and counts");
}


/* Lexes text, expecting an error; returns the log line. */
static const char *
hv_test_lex_error(hv_test_conf_t *t, const char *text, size_t len)
{
    unsigned char *buf;
    hv_conf_lex_t lx;
    hv_str_t name = hv_string("/etc/t.conf");
    int rc;

    buf = hv_tap_guarded_copy(text, len);
    hv_conf_lex_init(&lx, &name, buf, len);
    hv_test_log(t);

    do {
        rc = hv_conf_lex_next(&t->cf, &lx, t->cf.args);
    } while (rc != HV_ERROR && rc != HV_CONF_FILE_DONE);

    hv_tap_guarded_free(buf, len);

    return (rc == HV_ERROR) ? hv_test_log(t) : "(no error)";
}


#define T_LEX_ERROR(text, msg, ...)                                        \
    T_IS_STR(hv_test_lex_error(t, text, sizeof(text) - 1), "[emerg] " msg, \
        __VA_ARGS__)

static void
hv_test_errors(hv_test_conf_t *t)
{
    hv_tap_subtest("errors");

    T_LEX_ERROR("a b",
        "unexpected end of file, expecting \";\" or \"}\" in /etc/t.conf:1",
        "end of input after words");
    T_LEX_ERROR("a;\nb\nc\n\n",
        "unexpected end of file, expecting \";\" or \"}\" in /etc/t.conf:5",
        "the end of input is on the last line");
    T_LEX_ERROR("a;\nb \"x;\n\n",
        "unexpected end of file, unterminated quoted string"
        " in /etc/t.conf:2",
        "unterminated quote: the line of the quote");
    T_LEX_ERROR("a 'x\\'",
        "unexpected end of file, unterminated quoted string"
        " in /etc/t.conf:1",
        "an escaped quote does not close");
    T_LEX_ERROR("a;\n;", "unexpected \";\" in /etc/t.conf:2", "empty ';'");
    T_LEX_ERROR("{", "unexpected \"{\" in /etc/t.conf:1", "'{' without name");
    T_LEX_ERROR(
        "a {\nb\n}", "unexpected \"}\" in /etc/t.conf:3", "'}' after words");
    T_LEX_ERROR("a \"x\"y;", "unexpected \"y\" in /etc/t.conf:1",
        "a word glued to a closing quote");
    T_LEX_ERROR("a 'x''y';", "unexpected \"'\" in /etc/t.conf:1",
        "two quoted words glued");
    T_LEX_ERROR("a \"x\"#c\n;", "unexpected \"#\" in /etc/t.conf:1",
        "a comment glued to a closing quote");
    T_LEX_ERROR("a \"x\"\x01;", "unexpected \"\\x01\" in /etc/t.conf:1",
        "a control character is shown in hex");
    T_LEX_ERROR("a b\0c;", "unexpected NUL byte in /etc/t.conf:1",
        "NUL in a bare word");
    T_LEX_ERROR("a\n\"b\0c\";", "unexpected NUL byte in /etc/t.conf:2",
        "NUL in a quoted word");
    T_LEX_ERROR(
        "a \\\0;", "unexpected NUL byte in /etc/t.conf:1", "an escaped NUL");
}


/* Lexes the first statement of text; returns its result. */
static int
hv_test_lex_one(hv_test_conf_t *t, const char *text, size_t len)
{
    hv_str_t name = hv_string("/etc/t.conf");
    unsigned char *buf;
    hv_conf_lex_t lx;
    int rc;

    buf = hv_tap_guarded_copy(text, len);
    hv_conf_lex_init(&lx, &name, buf, len);
    rc = hv_conf_lex_next(&t->cf, &lx, t->cf.args);
    hv_tap_guarded_free(buf, len);

    return rc;
}


static void
hv_test_limits(hv_test_conf_t *t)
{
    char *text, *p;
    size_t i;

    hv_tap_subtest("limits");

    text = malloc(HV_CONF_MAX_WORD + 64);
    if (text == NULL) {
        exit(2);
    }

    /* 64 words: the name and 63 arguments */
    p = text;
    for (i = 0; i < HV_CONF_MAX_ARGS; i++) {
        p += sprintf(p, "w ");
    }
    strcpy(p, ";");
    T_IS_INT(hv_test_lex_one(t, text, strlen(text)), HV_OK,
        "%d words are accepted", HV_CONF_MAX_ARGS);
    T_IS_INT(t->cf.args->nelts, HV_CONF_MAX_ARGS, "all of them returned");

    strcpy(p, "\nw;");
    T_IS_STR(hv_test_lex_error(t, text, strlen(text)),
        "[emerg] too many words in a directive, the limit is 64"
        " in /etc/t.conf:2",
        "one more is an error where it starts");

    /* the limit counts decoded bytes: "\n" is one byte */
    memset(text, 'x', HV_CONF_MAX_WORD + 2);
    memcpy(text, "\"\\n", 3);
    strcpy(text + HV_CONF_MAX_WORD + 2, "\";");
    T_IS_INT(hv_test_lex_one(t, text, strlen(text)), HV_OK,
        "a word of exactly %d bytes", HV_CONF_MAX_WORD);
    T_IS_INT(((hv_str_t *) t->cf.args->elts)[0].len, HV_CONF_MAX_WORD,
        "has all its bytes");

    memset(text, 'x', HV_CONF_MAX_WORD + 1);
    strcpy(text + HV_CONF_MAX_WORD + 1, ";");
    T_IS_STR(hv_test_lex_error(t, text, strlen(text)),
        "[emerg] word too long, the limit is 65536 bytes in /etc/t.conf:1",
        "one byte more");

    free(text);
}


static void
hv_test_storage(hv_test_conf_t *t)
{
    unsigned char buf[] = "name \"v a l\" x;";
    hv_str_t name = hv_string("t.conf"), *w;
    hv_conf_lex_t lx;
    int rc;

    hv_tap_subtest("words live in the pool");

    hv_conf_lex_init(&lx, &name, buf, sizeof(buf) - 1);
    rc = hv_conf_lex_next(&t->cf, &lx, t->cf.args);
    T_IS_INT(rc, HV_OK, "statement read");
    memset(buf, '#', sizeof(buf) - 1);

    w = t->cf.args->elts;
    T_IS_INT(t->cf.args->nelts, 3, "three words");
    T_IS_STR((char *) w[0].data, "name", "first word survives the buffer");
    T_IS_STR((char *) w[1].data, "v a l", "quoted word, NUL-terminated");
    T_IS_INT(w[1].len, 5, "len excludes the NUL");
    T_IS_STR((char *) w[2].data, "x", "last word");

    rc = hv_conf_lex_next(&t->cf, &lx, t->cf.args);
    T_IS_INT(rc, HV_CONF_FILE_DONE, "end of input");
    T_IS_INT(t->cf.args->nelts, 0, "args emptied first");
}


int
main(void)
{
    static const hv_module_t *const no_modules[] = { NULL };
    hv_test_conf_t t;

    hv_test_conf_init(&t, no_modules);
    t.cf.args = hv_array_create(t.pool, 8, sizeof(hv_str_t));
    if (t.cf.args == NULL) {
        return 2;
    }

    hv_test_statements(&t);
    hv_test_comments(&t);
    hv_test_quotes(&t);
    hv_test_variables(&t);
    hv_test_lines(&t);
    hv_test_errors(&t);
    hv_test_limits(&t);
    hv_test_storage(&t);

    T_IS_STR(hv_test_log(&t), "", "nothing else was logged");

    hv_test_conf_free(&t);
    return hv_tap_done();
}
