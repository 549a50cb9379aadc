/*
 * tests/unit/core_conf_parse.c - core/conf_parse.c: directive lookup over
 * a module table of the test's own, argument-count masks, contexts and
 * module types, ';' versus '{', the configuration object each setter
 * gets, blocks and block handlers, ignored nginx knobs, include with
 * globs and its depth limit, and the exact text of every message with its
 * FILE:LINE.
 */
#include "tests/unit/core_conf_harness.h"


/*
 * Every recording setter appends "NAME(ARG,ARG)@LINE+OBJ " to this text,
 * OBJ naming the configuration object it got: M main, L the block's loc
 * conf, - none.
 */
static char hv_test_rec[4096];
static char hv_test_types[1024];

static int hv_test_main_obj;
static int hv_test_loc_obj;
static void *hv_test_loc_conf[HV_MODULES_N];


static const char *
hv_test_take_rec(void)
{
    static char copy[sizeof(hv_test_rec)];
    size_t n;

    strcpy(copy, hv_test_rec);
    n = strlen(copy);
    if (n > 0) {
        copy[n - 1] = '\0';
    }
    hv_test_rec[0] = '\0';

    return copy;
}


static char *
hv_test_record(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_uint_t i;
    char *p;

    p = hv_test_rec + strlen(hv_test_rec);
    p += sprintf(p, "%s(", cmd->name);
    for (i = 1; i < cf->args->nelts; i++) {
        p += sprintf(p, "%s%s", i > 1 ? "," : "", (char *) value[i].data);
    }
    sprintf(p, ")@%lu%s ", (unsigned long) cf->lex->line,
        conf == NULL                ? "-"
        : conf == &hv_test_main_obj ? "M"
        : conf == &hv_test_loc_obj  ? "L"
                                    : "?");

    return HV_CONF_OK;
}


static char *
hv_test_set_msg(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    (void) cf;
    (void) cmd;
    (void) conf;

    return "is wrong";
}


static char *
hv_test_set_err(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    hv_conf_log_error(HV_LOG_EMERG, cf, EACCES, "own message");
    return HV_CONF_ERROR;
}


/* "events { }": an event-module context with its own loc conf array. */
static char *
hv_test_set_events(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_conf_ctx_t ctx, *saved_ctx;
    hv_uint_t saved_type, saved_module_type;
    char *rv;

    (void) cmd;
    (void) conf;

    ctx.main_conf = cf->ctx != NULL ? cf->ctx->main_conf : NULL;
    ctx.srv_conf = NULL;
    ctx.loc_conf = hv_test_loc_conf;

    saved_ctx = cf->ctx;
    saved_type = cf->cmd_type;
    saved_module_type = cf->module_type;

    cf->ctx = &ctx;
    cf->cmd_type = HV_EVENT_CONF;
    if (cf->module_type != 0) {
        cf->module_type = HV_EVENT_MODULE;
    }

    rv = hv_conf_parse(cf, NULL);

    cf->ctx = saved_ctx;
    cf->cmd_type = saved_type;
    cf->module_type = saved_module_type;

    return rv;
}


/* A block that complains after parsing its body. */
static char *
hv_test_set_late_msg(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    char *rv;

    rv = hv_test_set_events(cf, cmd, conf);
    return rv != HV_CONF_OK ? rv : "is bad after its block";
}


/* "nested { }" inside events: the same context again, one level deeper. */
static char *
hv_test_set_nested(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    (void) cmd;
    (void) conf;

    return hv_conf_parse(cf, NULL);
}


/* The statements of "types { }" as "w w w;" each. */
static char *
hv_test_types_handler(hv_conf_t *cf, void *data)
{
    hv_str_t *value = cf->args->elts;
    hv_uint_t i;
    char *p;

    p = hv_test_types + strlen(hv_test_types);
    for (i = 0; i < cf->args->nelts; i++) {
        p += sprintf(p, "%s%s", i > 0 ? " " : "", (char *) value[i].data);
    }
    sprintf(p, "@%lu;", (unsigned long) cf->lex->line);

    if (data != &hv_test_types) {
        return "lost its data";
    }

    return hv_str_eq_cstr(&value[0], "bad") ? "bad type" : HV_CONF_OK;
}


static char *
hv_test_set_types(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    char *rv;

    (void) cmd;
    (void) conf;

    cf->handler = hv_test_types_handler;
    cf->handler_data = &hv_test_types;

    rv = hv_conf_parse(cf, NULL);

    cf->handler = NULL;
    cf->handler_data = NULL;

    return rv;
}


#define HV_TEST_REC(name, type)                                 \
    {                                                           \
        name, type, hv_test_record, HV_CONF_MAIN, 0, NULL, NULL \
    }

static const hv_command_t hv_test_core_commands[] = {
    HV_TEST_REC("noargs", HV_MAIN_CONF | HV_CONF_NOARGS),
    HV_TEST_REC("take1", HV_MAIN_CONF | HV_CONF_TAKE1),
    HV_TEST_REC("take2", HV_MAIN_CONF | HV_CONF_TAKE2),
    HV_TEST_REC("take13", HV_MAIN_CONF | HV_CONF_TAKE13),
    HV_TEST_REC("take1234", HV_MAIN_CONF | HV_CONF_TAKE1234),
    HV_TEST_REC("take7", HV_MAIN_CONF | HV_CONF_TAKE7),
    HV_TEST_REC("flag", HV_MAIN_CONF | HV_CONF_FLAG),
    HV_TEST_REC("more1", HV_MAIN_CONF | HV_CONF_1MORE),
    HV_TEST_REC("more2", HV_MAIN_CONF | HV_CONF_2MORE),
    HV_TEST_REC("any", HV_MAIN_CONF | HV_CONF_ANY),
    HV_TEST_REC("dual", HV_MAIN_CONF | HV_CONF_TAKE1),
    HV_TEST_REC("timer_resolution", HV_MAIN_CONF | HV_CONF_TAKE1),
    { "msg", HV_MAIN_CONF | HV_CONF_TAKE1, hv_test_set_msg, HV_CONF_MAIN, 0,
        NULL, NULL },
    { "err", HV_MAIN_CONF | HV_CONF_NOARGS, hv_test_set_err, HV_CONF_MAIN, 0,
        NULL, NULL },
    { "events", HV_MAIN_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS,
        hv_test_set_events, HV_CONF_MAIN, 0, NULL, NULL },
    { "late", HV_MAIN_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS,
        hv_test_set_late_msg, HV_CONF_MAIN, 0, NULL, NULL },
    { "types", HV_ANY_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS, hv_test_set_types,
        HV_CONF_MAIN, 0, NULL, NULL },
    hv_null_command
};

static const hv_command_t hv_test_event_commands[] = {
    { "inner", HV_EVENT_CONF | HV_CONF_TAKE1, hv_test_record, HV_CONF_LOC, 0,
        NULL, NULL },
    { "srvonly", HV_EVENT_CONF | HV_CONF_NOARGS, hv_test_record, HV_CONF_SRV, 0,
        NULL, NULL },
    { "dual", HV_EVENT_CONF | HV_CONF_TAKE1, hv_test_record, HV_CONF_LOC, 0,
        NULL, NULL },
    { "nested", HV_EVENT_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS,
        hv_test_set_nested, HV_CONF_LOC, 0, NULL, NULL },
    hv_null_command
};

static const hv_command_t hv_test_http_commands[] = {
    HV_TEST_REC("httponly", HV_MAIN_CONF | HV_CONF_NOARGS), hv_null_command
};

static const hv_module_t hv_test_core_module = {
    .name = "t_core",
    .index = 0,
    .type = HV_CORE_MODULE,
    .commands = hv_test_core_commands,
};

static const hv_module_t hv_test_event_module = {
    .name = "t_event",
    .index = 1,
    .type = HV_EVENT_MODULE,
    .commands = hv_test_event_commands,
};

static const hv_module_t hv_test_http_module = {
    .name = "t_http",
    .index = 2,
    .type = HV_HTTP_MODULE,
    .commands = hv_test_http_commands,
};

static const hv_module_t hv_test_empty_module = {
    .name = "t_empty",
    .index = 3,
    .type = HV_CORE_MODULE,
    .commands = NULL,
};

static const hv_module_t *const hv_test_modules[] = { &hv_test_empty_module,
    &hv_test_core_module, &hv_test_event_module, &hv_test_http_module, NULL };


/* "OK" or "ERROR", then the log lines and the setter calls, if any. */
static const char *
hv_test_result(hv_test_conf_t *t, bool ok)
{
    static char out[HV_TEST_LOG_MAX + sizeof(hv_test_rec) + 16];
    const char *log, *rec;

    log = hv_test_log(t);
    rec = hv_test_take_rec();
    snprintf(out, sizeof(out), "%s%s%s%s%s", ok ? "OK" : "ERROR",
        *log != '\0' ? " | " : "", log, *rec != '\0' ? " | " : "", rec);

    return out;
}


/* Parses text as t.conf and describes what happened. */
static const char *
hv_test_run(hv_test_conf_t *t, const char *text)
{
    hv_test_rec[0] = '\0';
    return hv_test_result(t, hv_test_parse(t, text) == HV_CONF_OK);
}


#define T_RUN(text, expect, ...) \
    T_IS_STR(hv_test_run(t, text), expect, __VA_ARGS__)

#define BADN(name, line)                                                    \
    "ERROR | [emerg] invalid number of arguments in \"" name "\" directive" \
    " in t.conf:" #line


static void
hv_test_arg_counts(hv_test_conf_t *t)
{
    hv_tap_subtest("argument counts");

    T_RUN("noargs;", "OK | noargs()@1M", "NOARGS");
    T_RUN("noargs x;", BADN("noargs", 1), "NOARGS with one");
    T_RUN("take1 a;", "OK | take1(a)@1M", "TAKE1");
    T_RUN("\ntake1;", BADN("take1", 2), "TAKE1 with none");
    T_RUN("take1 a b;", BADN("take1", 1), "TAKE1 with two");
    T_RUN("take2 a b;", "OK | take2(a,b)@1M", "TAKE2");
    T_RUN("take2 a;", BADN("take2", 1), "TAKE2 with one");
    T_RUN("take13 a; take13 a b c;", "OK | take13(a)@1M take13(a,b,c)@1M",
        "TAKE13 with one and three");
    T_RUN("take13 a b;", BADN("take13", 1), "TAKE13 with two");
    T_RUN("take1234 a; take1234 a b c d;",
        "OK | take1234(a)@1M take1234(a,b,c,d)@1M", "TAKE1234");
    T_RUN("take1234;", BADN("take1234", 1), "TAKE1234 with none");
    T_RUN("take1234 a b c d e;", BADN("take1234", 1), "TAKE1234 with five");
    T_RUN("take7 1 2 3 4 5 6 7;", "OK | take7(1,2,3,4,5,6,7)@1M", "TAKE7");
    T_RUN("take7 1 2 3 4 5 6 7 8;", BADN("take7", 1),
        "eight arguments never match a TAKEn");
    T_RUN("flag on;", "OK | flag(on)@1M", "FLAG");
    T_RUN("flag;", BADN("flag", 1), "FLAG with none");
    T_RUN("flag on off;", BADN("flag", 1), "FLAG with two");
    T_RUN("more1 a; more1 a b c;", "OK | more1(a)@1M more1(a,b,c)@1M", "1MORE");
    T_RUN("more1;", BADN("more1", 1), "1MORE with none");
    T_RUN("more2 a b; more2 a b c d e f g h i;",
        "OK | more2(a,b)@1M more2(a,b,c,d,e,f,g,h,i)@1M", "2MORE");
    T_RUN("more2 a;", BADN("more2", 1), "2MORE with one");
    T_RUN("any; any a b c d e f g h;", "OK | any()@1M any(a,b,c,d,e,f,g,h)@1M",
        "ANY");
}


static void
hv_test_shapes(hv_test_conf_t *t)
{
    hv_tap_subtest("statement shapes, unknown names, contexts");

    T_RUN("take1 a {\n}",
        "ERROR | [emerg] directive \"take1\" is not "
        "terminated by \";\" in t.conf:1",
        "'{' after a simple directive");
    T_RUN("take1 a;\n\nevents;",
        "ERROR | [emerg] directive \"events\" has "
        "no opening \"{\" in t.conf:3 | take1(a)@1M",
        "';' after a block directive; what came before ran");
    T_RUN("take1 a;\nnope 1;\ntake1 b;",
        "ERROR | [emerg] unknown directive "
        "\"nope\" in t.conf:2 | take1(a)@1M",
        "unknown: parsing stops");
    T_RUN("Take1 a;",
        "ERROR | [emerg] unknown directive \"Take1\" in "
        "t.conf:1, did you mean \"take1\"?",
        "names are case-sensitive (and the suggestion says how)");
    T_RUN("inner a;",
        "ERROR | [emerg] \"inner\" directive is not allowed "
        "here in t.conf:1",
        "an events directive at the top");
    T_RUN("events {\n    take1 a;\n}",
        "ERROR | [emerg] \"take1\" directive "
        "is not allowed here in t.conf:2",
        "a main directive in events");
    T_RUN("dual a; events { dual b; } dual c;",
        "OK | dual(a)@1M dual(b)@1L dual(c)@1M",
        "one name in two modules: each context finds its own");

    t->cf.module_type = HV_CORE_MODULE;
    T_RUN("httponly;",
        "ERROR | [emerg] \"httponly\" directive is not "
        "allowed here in t.conf:1",
        "a module of another type");
    T_RUN("events { inner a; dual b; }", "OK | inner(a)@1L dual(b)@1L",
        "the block switched the module type");
    t->cf.module_type = 0;
    T_RUN("httponly;", "OK | httponly()@1M", "module type 0 takes any");
}


static void
hv_test_objects(hv_test_conf_t *t)
{
    hv_tap_subtest("the configuration object of each setter");

    T_RUN("take1 a;\nevents {\n  inner b;\n  srvonly;\n}\ntake1 c;",
        "OK | take1(a)@1M inner(b)@3L srvonly()@4- take1(c)@6M",
        "main, loc of the block, no srv array: NULL; context restored");

    t->cf.ctx = NULL;
    T_RUN("take1 a;", "OK | take1(a)@1-", "no ctx at all: NULL");
    t->cf.ctx = &t->ctx;
}


static void
hv_test_setter_results(hv_test_conf_t *t)
{
    hv_tap_subtest("setter results");

    T_RUN("take1 a;\nmsg x;",
        "ERROR | [emerg] \"msg\" directive is wrong "
        "in t.conf:2 | take1(a)@1M",
        "a message gets name and FILE:LINE");
    T_RUN("err;",
        "ERROR | [emerg] own message (13: Permission denied) "
        "in t.conf:1",
        "HV_CONF_ERROR: logged once, errno before FILE:LINE");
    T_RUN("\nlate {\n  inner a;\n\n}\n",
        "ERROR | [emerg] \"late\" directive "
        "is bad after its block in t.conf:2 | inner(a)@3L",
        "a block directive's message points at its first line");
}


static void
hv_test_blocks(hv_test_conf_t *t)
{
    hv_tap_subtest("blocks");

    T_RUN("events {\n  inner a;\n",
        "ERROR | [emerg] unexpected end of file, "
        "expecting \"}\" in t.conf:3 | inner(a)@2L",
        "unclosed block");
    T_RUN("take1 a;\n}\n",
        "ERROR | [emerg] unexpected \"}\" in t.conf:2 | "
        "take1(a)@1M",
        "'}' at the top");
    T_RUN("events { } }", "ERROR | [emerg] unexpected \"}\" in t.conf:1",
        "one '}' too many");
    T_RUN("events { events { } }",
        "ERROR | [emerg] \"events\" directive is "
        "not allowed here in t.conf:1",
        "a block where it is not allowed");
    T_RUN("events { nested { nested { inner x; } } inner y; }",
        "OK | inner(x)@1L inner(y)@1L", "nested blocks");
}


static void
hv_test_block_depth(hv_test_conf_t *t)
{
    char text[2048], expect[256], *p;
    int i;

    hv_tap_subtest("block depth");

    /* events is level 1, then nested blocks up to the limit */
    p = text + sprintf(text, "events {\n");
    for (i = 1; i < HV_CONF_MAX_BLOCK_DEPTH; i++) {
        p += sprintf(p, "nested {\n");
    }
    p += sprintf(p, "inner deep;\n");
    for (i = 0; i < HV_CONF_MAX_BLOCK_DEPTH; i++) {
        p += sprintf(p, "}");
    }
    snprintf(expect, sizeof(expect), "OK | inner(deep)@%dL",
        HV_CONF_MAX_BLOCK_DEPTH + 1);
    T_RUN(text, expect, "%d levels of blocks", HV_CONF_MAX_BLOCK_DEPTH);

    p = text + sprintf(text, "events {\n");
    for (i = 0; i < HV_CONF_MAX_BLOCK_DEPTH; i++) {
        p += sprintf(p, "nested {\n");
    }
    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] blocks nested too deep "
        "(more than %d levels) in t.conf:%d",
        HV_CONF_MAX_BLOCK_DEPTH, HV_CONF_MAX_BLOCK_DEPTH + 1);
    T_RUN(text, expect, "one more");
}


static void
hv_test_handler(hv_test_conf_t *t)
{
    hv_tap_subtest("block handler");

    hv_test_types[0] = '\0';
    T_RUN("types {\n  text/html html htm;\n  include x;\n  image/png png;\n}\n"
          "take1 a;",
        "OK | take1(a)@6M", "statements go to the handler");
    T_IS_STR(hv_test_types,
        "text/html html htm@2;include x@3;"
        "image/png png@4;",
        "with their words and lines, include too");

    T_RUN("types {\n  a b {\n}",
        "ERROR | [emerg] unexpected \"{\" in "
        "t.conf:2",
        "a block inside a handler block");
    T_RUN("types {\n  a;\n  bad x;\n}",
        "ERROR | [emerg] bad type in "
        "t.conf:3",
        "a handler's message gets FILE:LINE");
    T_RUN("types { a; }\nnope;",
        "ERROR | [emerg] unknown directive "
        "\"nope\" in t.conf:2",
        "the handler is gone after the block");
}


/* "did you mean" after FILE:LINE for a name near a known one. */
static void
hv_test_suggest(hv_test_conf_t *t)
{
    hv_tap_subtest("did you mean");

    T_RUN("taek2 a b;",
        "ERROR | [emerg] unknown directive \"taek2\" in "
        "t.conf:1, did you mean \"take2\"?",
        "two letters swapped are one edit");
    T_RUN("\nsrvonyl;",
        "ERROR | [emerg] unknown directive \"srvonyl\" in "
        "t.conf:2, did you mean \"srvonly\"?",
        "a directive of another context is suggested too");
    T_RUN("http_only;",
        "ERROR | [emerg] unknown directive \"http_only\" in "
        "t.conf:1, did you mean \"httponly\"?",
        "an inserted letter");
    T_RUN("incldue x;",
        "ERROR | [emerg] unknown directive \"incldue\" in "
        "t.conf:1, did you mean \"include\"?",
        "the parser's own include");
    T_RUN("timer_resolutoin 1;",
        "ERROR | [emerg] unknown directive \"timer_resolutoin\" in "
        "t.conf:1, did you mean \"timer_resolution\"?",
        "a module's name wins over the ignored list");
    T_RUN("types_hash_max_siz 1;",
        "ERROR | [emerg] unknown directive \"types_hash_max_siz\" in "
        "t.conf:1, did you mean \"types_hash_max_size\"?",
        "an ignored nginx knob is suggested");
    T_RUN("take1xyz a;",
        "ERROR | [emerg] unknown directive \"take1xyz\" in t.conf:1",
        "three edits away: no suggestion");
    T_RUN("ab a;", "ERROR | [emerg] unknown directive \"ab\" in t.conf:1",
        "two edits from \"any\", but a short name needs fewer than half");
    T_RUN("take3 a;",
        "ERROR | [emerg] unknown directive \"take3\" in "
        "t.conf:1, did you mean \"take1\"?",
        "of equally near names the first in the table");

    T_IS_INT(hv_conf_parse_buffer(&t->cf, "command line",
                 (const unsigned char *) "falg on;", 8) == HV_CONF_ERROR,
        1, "-g text");
    T_IS_STR(hv_test_log(t),
        "[emerg] unknown directive \"falg\" in command "
        "line, did you mean \"flag\"?",
        "-g: the suggestion follows \"command line\"");
    hv_test_take_rec();
}


static void
hv_test_ignored(hv_test_conf_t *t)
{
    hv_tap_subtest("ignored nginx knobs");

    T_RUN("server_names_hash_bucket_size 128;\nevents {\n"
          "  connection_pool_size 1 2 3;\n}\n",
        "OK | [info] "
        "\"server_names_hash_bucket_size\" directive is ignored by hive in "
        "t.conf:1\n[info] \"connection_pool_size\" directive is ignored by "
        "hive in t.conf:3",
        "accepted anywhere, any arguments, info line");
    T_RUN("client_body_temp_path /x {",
        "ERROR | [emerg] directive "
        "\"client_body_temp_path\" is not terminated by \";\" in t.conf:1",
        "still needs ';'");
    T_RUN("timer_resolution 10ms;", "OK | timer_resolution(10ms)@1M",
        "a module's directive of the same name wins");

    t->log.level = HV_LOG_NOTICE;
    T_RUN("types_hash_max_size 2048;", "OK", "no line below the log level");
    t->log.level = HV_LOG_INFO;
}


/* Makes DIR/name a directory. */
static void
hv_test_mkdir(hv_test_conf_t *t, const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", t->dir, name);
    if (mkdir(path, 0755) == -1) {
        perror(path);
        exit(2);
    }
}


/* Parses the file name; same shape as hv_test_run(). */
static const char *
hv_test_run_file(hv_test_conf_t *t, const char *name)
{
    hv_test_rec[0] = '\0';
    return hv_test_result(t, hv_test_parse_file(t, name) == HV_CONF_OK);
}


static void
hv_test_include(hv_test_conf_t *t)
{
    char text[512], expect[512];
    hv_str_t *dump;

    hv_tap_subtest("include");

    hv_test_mkdir(t, "inc");
    hv_test_write(t, "inc/b.conf", "take1 b;\n");
    hv_test_write(t, "inc/a.conf", "\ntake1 a;\n");
    hv_test_write(t, "inc/skip.txt", "nope;\n");
    hv_test_write(t, "main.conf",
        "take1 m;\ninclude inc/*.conf;\n"
        "take1 after;\n");

    if (hv_array_init(&t->cycle.conf_dump, t->pool, 2, sizeof(hv_str_t)) !=
        HV_OK) {
        exit(2);
    }

    T_IS_STR(hv_test_run_file(t, "main.conf"),
        "OK | take1(m)@1M take1(a)@2M take1(b)@1M take1(after)@3M",
        "a glob, in sorted order, relative to the conf prefix");

    T_IS_INT(t->cycle.conf_dump.nelts, 3, "three files read");
    dump = t->cycle.conf_dump.elts;
    snprintf(expect, sizeof(expect),
        "%s/main.conf %s/inc/a.conf "
        "%s/inc/b.conf",
        t->dir, t->dir, t->dir);
    snprintf(text, sizeof(text), "%s %s %s", (char *) dump[0].data,
        (char *) dump[1].data, (char *) dump[2].data);
    T_IS_STR(text, expect, "conf_dump holds their full paths, in order");
    memset(&t->cycle.conf_dump, 0, sizeof(hv_array_t));

    T_RUN("include none/*.conf;\ninclude inc/[z]*;", "OK",
        "globs that match nothing are fine");

    snprintf(text, sizeof(text), "include %s/inc/a.conf;", t->dir);
    T_RUN(text, "OK | take1(a)@2M", "an absolute name");
}


static void
hv_test_include_errors(hv_test_conf_t *t)
{
    char expect[512];

    hv_tap_subtest("include errors");

    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] open() "
        "\"%s/missing.conf\" failed (2: No such file or directory) "
        "in t.conf:2 | take1(a)@1M",
        t->dir);
    T_RUN("take1 a;\ninclude missing.conf;", expect,
        "a plain name must exist; the error points at the include");

    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] \"%s/inc\" is not a "
        "regular file in t.conf:1",
        t->dir);
    T_RUN("include inc;", expect, "a directory");

    T_RUN("include;",
        "ERROR | [emerg] invalid number of arguments in "
        "\"include\" directive in t.conf:1",
        "include without a name");
    T_RUN("include a b;",
        "ERROR | [emerg] invalid number of arguments in "
        "\"include\" directive in t.conf:1",
        "include with two");
    T_RUN("include a {}",
        "ERROR | [emerg] directive \"include\" is not "
        "terminated by \";\" in t.conf:1",
        "include with a block");

    hv_test_write(t, "ev.conf", "inner z;\n");
    T_RUN("events {\n  include ev.conf;\n  inner y;\n}",
        "OK | inner(z)@1L inner(y)@3L", "an include inside a block");

    hv_test_write(t, "close.conf", "inner z;\n}\n");
    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] unexpected \"}\" in "
        "%s/close.conf:2 | inner(z)@1L",
        t->dir);
    T_RUN("events {\n  include close.conf;\n}", expect,
        "an included file cannot close the block around it");

    hv_test_write(t, "bad.conf", "take1 a;\n\ntake1;\n");
    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] invalid number of "
        "arguments in \"take1\" directive in %s/bad.conf:3 | "
        "take1(a)@1M",
        t->dir);
    T_RUN("include bad.conf;", expect, "errors name the included file");
}


static void
hv_test_include_depth(hv_test_conf_t *t)
{
    char name[32], text[64], expect[512];
    int i;

    hv_tap_subtest("include depth");

    /* d0 includes d1 ... d16: sixteen levels of include */
    for (i = 0; i < HV_CONF_MAX_INCLUDE_DEPTH; i++) {
        snprintf(name, sizeof(name), "d%d.conf", i);
        snprintf(text, sizeof(text), "include d%d.conf;\n", i + 1);
        hv_test_write(t, name, text);
    }
    snprintf(name, sizeof(name), "d%d.conf", HV_CONF_MAX_INCLUDE_DEPTH);
    hv_test_write(t, name, "take1 deep;\n");

    T_IS_STR(hv_test_run_file(t, "d0.conf"), "OK | take1(deep)@1M", "%d levels",
        HV_CONF_MAX_INCLUDE_DEPTH);

    hv_test_write(t, name, "include d17.conf;\n");
    hv_test_write(t, "d17.conf", "take1 deeper;\n");
    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] includes nested too "
        "deep (more than %d levels), is a file including itself? in "
        "%s/d%d.conf:1",
        HV_CONF_MAX_INCLUDE_DEPTH, t->dir, HV_CONF_MAX_INCLUDE_DEPTH);
    T_IS_STR(hv_test_run_file(t, "d0.conf"), expect, "one more");

    hv_test_write(t, "self.conf", "\ninclude self.conf;\n");
    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] includes nested too "
        "deep (more than %d levels), is a file including itself? in "
        "%s/self.conf:2",
        HV_CONF_MAX_INCLUDE_DEPTH, t->dir);
    T_IS_STR(hv_test_run_file(t, "self.conf"), expect,
        "a file that "
        "includes itself");
    T_IS_INT(t->cf.include_depth, 0, "depth back to 0");
    T_IS_INT(t->cf.block_depth, 0, "block depth back to 0");
    T_OK(t->cf.lex == NULL, "no input left current");
}


static void
hv_test_files(hv_test_conf_t *t)
{
    char expect[256];

    hv_tap_subtest("files and names");

    snprintf(expect, sizeof(expect),
        "ERROR | [emerg] open() "
        "\"%s/nope.conf\" failed (2: No such file or directory)",
        t->dir);
    T_IS_STR(hv_test_run_file(t, "nope.conf"), expect,
        "a missing main file has no FILE:LINE");

    hv_test_write(t, "empty.conf", "");
    T_IS_STR(hv_test_run_file(t, "empty.conf"), "OK", "an empty file");

    T_IS_INT(hv_conf_parse_buffer(&t->cf, "command line",
                 (const unsigned char *) "take1 a; nope;", 14) == HV_CONF_ERROR,
        1, "-g text");
    T_IS_STR(hv_test_log(t),
        "[emerg] unknown directive \"nope\" in command "
        "line",
        "is named without a line");
    hv_test_take_rec();

    hv_conf_log_error(HV_LOG_WARN, &t->cf, 0, "x %d", 1);
    T_IS_STR(hv_test_log(t), "[warn] x 1 in command line",
        "no input at all: command line");

    t->cf.modules = NULL;
    T_RUN("hv_test_nope 1;",
        "ERROR | [emerg] unknown directive "
        "\"hv_test_nope\" in t.conf:1",
        "the build's own module table");
    t->cf.modules = hv_test_modules;
}


static void
hv_test_full_name(hv_test_conf_t *t)
{
    hv_str_t s;
    char expect[128];
    unsigned char abs[] = "/abs/pathXYZ";

    hv_tap_subtest("hv_conf_full_name");

    hv_str_set(&s, "logs/x.log");
    T_IS_INT(hv_conf_full_name(&t->cycle, &s, false), HV_OK, "relative");
    T_IS_STR((char *) s.data, "/tmp/x/logs/x.log", "against the prefix");
    T_IS_INT(s.len, strlen("/tmp/x/logs/x.log"), "length");

    hv_str_set(&s, "mime.types");
    T_IS_INT(hv_conf_full_name(&t->cycle, &s, true), HV_OK, "conf prefix");
    snprintf(expect, sizeof(expect), "%s/mime.types", t->dir);
    T_IS_STR((char *) s.data, expect, "against the conf prefix");

    s.data = abs;
    s.len = sizeof("/abs/path") - 1;
    T_IS_INT(hv_conf_full_name(&t->cycle, &s, false), HV_OK, "absolute");
    T_IS_STR((char *) s.data, "/abs/path", "unchanged, NUL-terminated");

    hv_str_set(&t->cycle.prefix, "/p");
    hv_str_set(&s, "a");
    hv_conf_full_name(&t->cycle, &s, false);
    T_IS_STR((char *) s.data, "/p/a", "a prefix without '/' gets one");
    hv_str_set(&t->cycle.prefix, "/tmp/x/");
}


int
main(void)
{
    hv_test_conf_t t;

    hv_test_conf_init(&t, hv_test_modules);
    t.main_conf[0] = &hv_test_main_obj;
    t.main_conf[1] = &hv_test_main_obj;
    t.main_conf[2] = &hv_test_main_obj;
    hv_test_loc_conf[1] = &hv_test_loc_obj;

    hv_test_arg_counts(&t);
    hv_test_shapes(&t);
    hv_test_objects(&t);
    hv_test_setter_results(&t);
    hv_test_blocks(&t);
    hv_test_block_depth(&t);
    hv_test_handler(&t);
    hv_test_suggest(&t);
    hv_test_ignored(&t);
    hv_test_include(&t);
    hv_test_include_errors(&t);
    hv_test_include_depth(&t);
    hv_test_files(&t);
    hv_test_full_name(&t);

    T_IS_STR(hv_test_log(&t), "", "nothing else was logged");

    hv_test_conf_free(&t);
    return hv_tap_done();
}
