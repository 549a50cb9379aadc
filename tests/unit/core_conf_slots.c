/*
 * tests/unit/core_conf_slots.c - core/conf_slots.c: the value parsers
 * (flag, size, time) with every unit and the overflow edges, and each
 * typed setter through the real dispatcher: stored values, "is
 * duplicate", bounds, and the exact messages with FILE:LINE.
 */
#include "tests/unit/core_conf_harness.h"


typedef struct {
    int flag;
    hv_int_t num;
    hv_int_t num_b;
    size_t size;
    size_t size_b;
    hv_msec_t msec;
    hv_msec_t msec_b;
    time_t sec;
    hv_str_t str;
    hv_str_t path;
    hv_array_t *list;
    hv_uint_t mode;
    hv_uint_t pair;
} hv_test_slots_t;


static const hv_conf_bounds_t hv_test_num_bounds = { 1, 10 };
static const hv_conf_bounds_t hv_test_size_bounds = { 512, 1024 * 1024 };
static const hv_conf_bounds_t hv_test_msec_bounds = { 1, 60000 };

static const hv_conf_enum_t hv_test_modes[] = { { "slow", 1 }, { "fast", 2 },
    { "auto", 3 }, { NULL, 0 } };

static const hv_conf_enum_t hv_test_pairs[] = { { "left", 10 }, { "right", 20 },
    { NULL, 0 } };

#define HV_TEST_SLOT(name, set, field, post)                   \
    {                                                          \
        name, HV_MAIN_CONF | HV_CONF_TAKE1, set, HV_CONF_MAIN, \
            offsetof(hv_test_slots_t, field), post, NULL       \
    }

static const hv_command_t hv_test_slot_commands[] = {
    { "flag", HV_MAIN_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot, HV_CONF_MAIN,
        offsetof(hv_test_slots_t, flag), NULL, NULL },
    HV_TEST_SLOT("num", hv_conf_set_num_slot, num, NULL),
    HV_TEST_SLOT("num_b", hv_conf_set_num_slot, num_b, &hv_test_num_bounds),
    HV_TEST_SLOT("size", hv_conf_set_size_slot, size, NULL),
    HV_TEST_SLOT("size_b", hv_conf_set_size_slot, size_b, &hv_test_size_bounds),
    HV_TEST_SLOT("msec", hv_conf_set_msec_slot, msec, NULL),
    HV_TEST_SLOT("msec_b", hv_conf_set_msec_slot, msec_b, &hv_test_msec_bounds),
    HV_TEST_SLOT("sec", hv_conf_set_sec_slot, sec, NULL),
    HV_TEST_SLOT("str", hv_conf_set_str_slot, str, NULL),
    HV_TEST_SLOT("path", hv_conf_set_path_slot, path, NULL),
    { "list", HV_MAIN_CONF | HV_CONF_1MORE, hv_conf_set_str_array_slot,
        HV_CONF_MAIN, offsetof(hv_test_slots_t, list), NULL, NULL },
    HV_TEST_SLOT("mode", hv_conf_set_enum_slot, mode, hv_test_modes),
    HV_TEST_SLOT("pair", hv_conf_set_enum_slot, pair, hv_test_pairs),
    hv_null_command
};

static const hv_module_t hv_test_slot_module = {
    .name = "t_slots",
    .index = 0,
    .type = HV_CORE_MODULE,
    .commands = hv_test_slot_commands,
};

static const hv_module_t *const hv_test_modules[] = { &hv_test_slot_module,
    NULL };

static hv_test_slots_t hv_test_obj;


static void
hv_test_unset(void)
{
    memset(&hv_test_obj, 0, sizeof(hv_test_slots_t));
    hv_test_obj.flag = HV_CONF_UNSET;
    hv_test_obj.num = HV_CONF_UNSET;
    hv_test_obj.num_b = HV_CONF_UNSET;
    hv_test_obj.size = HV_CONF_UNSET_SIZE;
    hv_test_obj.size_b = HV_CONF_UNSET_SIZE;
    hv_test_obj.msec = HV_CONF_UNSET_MSEC;
    hv_test_obj.msec_b = HV_CONF_UNSET_MSEC;
    hv_test_obj.sec = HV_CONF_UNSET;
    hv_test_obj.list = HV_CONF_UNSET_PTR;
    hv_test_obj.mode = HV_CONF_UNSET_UINT;
    hv_test_obj.pair = HV_CONF_UNSET_UINT;
}


static int64_t
hv_test_size(const char *text)
{
    hv_str_t s;
    int64_t n;

    s.len = strlen(text);
    s.data = hv_tap_guarded_copy(text, s.len);
    n = hv_conf_parse_size(&s);
    hv_tap_guarded_free(s.data, s.len);

    return n;
}


static int64_t
hv_test_msec(const char *text)
{
    hv_str_t s;
    int64_t n;

    s.len = strlen(text);
    s.data = hv_tap_guarded_copy(text, s.len);
    n = hv_conf_parse_msec(&s);
    hv_tap_guarded_free(s.data, s.len);

    return n;
}


static int
hv_test_flag(const char *text)
{
    hv_str_t s;

    s.len = strlen(text);
    s.data = (unsigned char *) text;
    return hv_conf_parse_flag(&s);
}


static void
hv_test_parse_flag(void)
{
    hv_tap_subtest("hv_conf_parse_flag");

    T_IS_INT(hv_test_flag("on"), 1, "on");
    T_IS_INT(hv_test_flag("off"), 0, "off");
    T_IS_INT(hv_test_flag("ON"), 1, "ON (nginx ignores case)");
    T_IS_INT(hv_test_flag("Off"), 0, "Off");
    T_IS_INT(hv_test_flag(""), HV_ERROR, "empty");
    T_IS_INT(hv_test_flag("o"), HV_ERROR, "prefix of on");
    T_IS_INT(hv_test_flag("onn"), HV_ERROR, "longer than on");
    T_IS_INT(hv_test_flag("yes"), HV_ERROR, "yes");
    T_IS_INT(hv_test_flag("1"), HV_ERROR, "1");
}


static void
hv_test_parse_size(void)
{
    hv_tap_subtest("hv_conf_parse_size");

    T_IS_INT(hv_test_size("0"), 0, "zero");
    T_IS_INT(hv_test_size("512"), 512, "bytes");
    T_IS_INT(hv_test_size("1k"), 1024, "k");
    T_IS_INT(hv_test_size("8K"), 8192, "K");
    T_IS_INT(hv_test_size("16m"), 16 * 1024 * 1024, "m");
    T_IS_INT(hv_test_size("1M"), 1024 * 1024, "M");
    T_IS_INT(hv_test_size("2g"), 2LL * 1024 * 1024 * 1024, "g");
    T_IS_INT(hv_test_size("3G"), 3LL * 1024 * 1024 * 1024, "G");
    T_IS_INT(hv_test_size("0010k"), 10240, "leading zeros");

    T_IS_INT(hv_test_size(""), HV_ERROR, "empty");
    T_IS_INT(hv_test_size("k"), HV_ERROR, "a unit alone");
    T_IS_INT(hv_test_size("1kb"), HV_ERROR, "kb");
    T_IS_INT(hv_test_size("1t"), HV_ERROR, "unknown unit");
    T_IS_INT(hv_test_size("1.5k"), HV_ERROR, "a fraction");
    T_IS_INT(hv_test_size("-1"), HV_ERROR, "negative");
    T_IS_INT(hv_test_size(" 1"), HV_ERROR, "a leading space");
    T_IS_INT(hv_test_size("1 k"), HV_ERROR, "a space before the unit");

    T_IS_INT(hv_test_size("9223372036854775807"), INT64_MAX, "INT64_MAX bytes");
    T_IS_INT(hv_test_size("9223372036854775808"), HV_ERROR, "INT64_MAX + 1");
    T_IS_INT(
        hv_test_size("9007199254740991k"), INT64_MAX - 1023, "the largest k");
    T_IS_INT(hv_test_size("9007199254740992k"), HV_ERROR, "k overflow");
    T_IS_INT(hv_test_size("8796093022207m"), INT64_MAX - (1024 * 1024 - 1),
        "the largest m");
    T_IS_INT(hv_test_size("8796093022208m"), HV_ERROR, "m overflow");
    T_IS_INT(hv_test_size("8589934591g"), INT64_MAX - (1024 * 1024 * 1024 - 1),
        "the largest g");
    T_IS_INT(hv_test_size("8589934592g"), HV_ERROR, "g overflow");
    T_IS_INT(hv_test_size("99999999999999999999999g"), HV_ERROR, "many digits");
}


static void
hv_test_parse_msec(void)
{
    hv_tap_subtest("hv_conf_parse_msec");

    T_IS_INT(hv_test_msec("0"), 0, "zero");
    T_IS_INT(hv_test_msec("75"), 75000, "a bare number is seconds");
    T_IS_INT(hv_test_msec("500ms"), 500, "ms");
    T_IS_INT(hv_test_msec("30s"), 30000, "s");
    T_IS_INT(hv_test_msec("2m"), 120000, "m");
    T_IS_INT(hv_test_msec("1h"), 3600000, "h");
    T_IS_INT(hv_test_msec("1d"), 86400000, "d");
    T_IS_INT(hv_test_msec("1w"), 7 * 86400000LL, "w");
    T_IS_INT(hv_test_msec("1M"), 30 * 86400000LL, "M (30 days)");
    T_IS_INT(hv_test_msec("1y"), 365 * 86400000LL, "y (365 days)");
    T_IS_INT(hv_test_msec("1h 30m"), 5400000, "1h 30m");
    T_IS_INT(hv_test_msec("1h30m"), 5400000, "1h30m");
    T_IS_INT(hv_test_msec("1m 30"), 90000, "a bare number last");
    T_IS_INT(hv_test_msec("1d 2h 3m 4s 5ms"),
        86400000 + 2 * 3600000 + 3 * 60000 + 4000 + 5, "every unit");
    T_IS_INT(hv_test_msec(" 1s\t "), 1000, "spaces around");

    T_IS_INT(hv_test_msec(""), HV_ERROR, "empty");
    T_IS_INT(hv_test_msec("  "), HV_ERROR, "only spaces");
    T_IS_INT(hv_test_msec("s"), HV_ERROR, "a unit alone");
    T_IS_INT(hv_test_msec("1x"), HV_ERROR, "unknown unit");
    T_IS_INT(hv_test_msec("1S"), HV_ERROR, "units are case-sensitive");
    T_IS_INT(hv_test_msec("1mss"), HV_ERROR, "junk after ms");
    T_IS_INT(hv_test_msec("1s 1m"), HV_ERROR, "units out of order");
    T_IS_INT(hv_test_msec("1m 1m"), HV_ERROR, "a unit twice");
    T_IS_INT(hv_test_msec("1ms 1"), HV_ERROR, "bare seconds after ms");
    T_IS_INT(hv_test_msec("30 s"), HV_ERROR, "a space before the unit");
    T_IS_INT(hv_test_msec("1.5s"), HV_ERROR, "a fraction");
    T_IS_INT(hv_test_msec("-1s"), HV_ERROR, "negative");

    T_IS_INT(hv_test_msec("9223372036854775807ms"), INT64_MAX, "INT64_MAX ms");
    T_IS_INT(
        hv_test_msec("9223372036854775808ms"), HV_ERROR, "INT64_MAX + 1 ms");
    T_IS_INT(hv_test_msec("9223372036854775"), 9223372036854775000LL,
        "the largest bare number");
    T_IS_INT(hv_test_msec("9223372036854776"), HV_ERROR,
        "a bare number that overflows as ms");
    T_IS_INT(hv_test_msec("106751991167d"), 106751991167LL * 86400000,
        "the largest d");
    T_IS_INT(hv_test_msec("106751991168d"), HV_ERROR, "d overflow");
    T_IS_INT(hv_test_msec("106751991167d 7h"),
        106751991167LL * 86400000 + 7 * 3600000, "a sum that fits");
    T_IS_INT(
        hv_test_msec("106751991167d 8h"), HV_ERROR, "a sum that overflows");
}


/* Parses text against a fresh object; returns the log ("" if none). */
static const char *
hv_test_set(hv_test_conf_t *t, const char *text, bool ok)
{
    hv_test_unset();
    if ((hv_test_parse(t, text) == HV_CONF_OK) != ok) {
        return "(unexpected result)";
    }

    return hv_test_log(t);
}


#define T_SET_OK(text, ...) \
    T_IS_STR(hv_test_set(t, text, true), "", __VA_ARGS__)
#define T_SET_ERR(text, msg, ...) \
    T_IS_STR(hv_test_set(t, text, false), "[emerg] " msg, __VA_ARGS__)

static void
hv_test_flag_num(hv_test_conf_t *t)
{
    hv_tap_subtest("flag and num slots");

    T_SET_OK("flag on;", "flag on");
    T_IS_INT(hv_test_obj.flag, 1, "stored 1");
    T_SET_OK("flag OFF;", "flag OFF");
    T_IS_INT(hv_test_obj.flag, 0, "stored 0");
    T_SET_ERR("flag on;\nflag off;",
        "\"flag\" directive is duplicate in "
        "t.conf:2",
        "a second flag");
    T_IS_INT(hv_test_obj.flag, 1, "the first value stays");
    T_SET_ERR("flag yes;",
        "invalid value \"yes\" in \"flag\" directive, it "
        "must be \"on\" or \"off\" in t.conf:1",
        "flag yes");
    T_IS_INT(hv_test_obj.flag, HV_CONF_UNSET, "still unset");

    T_SET_OK("num 42;", "num 42");
    T_IS_INT(hv_test_obj.num, 42, "stored");
    T_SET_OK("num 0;", "num 0");
    T_IS_INT(hv_test_obj.num, 0, "zero stored");
    T_SET_ERR("num 1; num 2;", "\"num\" directive is duplicate in t.conf:1",
        "a second num");
    T_SET_ERR("num -1;",
        "invalid value \"-1\" in \"num\" directive, it must "
        "be a number in t.conf:1",
        "negative");
    T_SET_ERR("num 1k;",
        "invalid value \"1k\" in \"num\" directive, it must "
        "be a number in t.conf:1",
        "with a unit");
    T_SET_ERR("num 99999999999999999999;",
        "invalid value "
        "\"99999999999999999999\" in \"num\" directive, it must be a number "
        "in t.conf:1",
        "too big");
    T_SET_OK("num_b 1; ", "lower bound");
    T_SET_OK("num_b 10; ", "upper bound");
    T_IS_INT(hv_test_obj.num_b, 10, "stored");
    T_SET_ERR("num_b 0;",
        "invalid value \"0\" in \"num_b\" directive, it "
        "must be between 1 and 10 in t.conf:1",
        "below");
    T_SET_ERR("\nnum_b 11;",
        "invalid value \"11\" in \"num_b\" directive, "
        "it must be between 1 and 10 in t.conf:2",
        "above");
    T_IS_INT(hv_test_obj.num_b, HV_CONF_UNSET, "not stored");
}


static void
hv_test_size_time(hv_test_conf_t *t)
{
    hv_tap_subtest("size, msec and sec slots");

    T_SET_OK("size 16k;", "size 16k");
    T_IS_INT(hv_test_obj.size, 16384, "stored");
    T_SET_ERR("size 1k; size 2k;",
        "\"size\" directive is duplicate in "
        "t.conf:1",
        "a second size");
    T_SET_ERR("size 1q;",
        "invalid value \"1q\" in \"size\" directive, it "
        "must be a size such as 512, 16k or 1m in t.conf:1",
        "bad unit");
    T_SET_OK("size_b 1m;", "size upper bound");
    T_SET_ERR("size_b 2m;",
        "invalid value \"2m\" in \"size_b\" directive, "
        "it must be between 512 and 1048576 in t.conf:1",
        "size above");

    T_SET_OK("msec \"1m 30s\";", "msec with two groups");
    T_IS_INT(hv_test_obj.msec, 90000, "stored");
    T_SET_OK("msec 75;", "bare seconds");
    T_IS_INT(hv_test_obj.msec, 75000, "stored as ms");
    T_SET_ERR("msec 1s;\nmsec 2s;",
        "\"msec\" directive is duplicate in "
        "t.conf:2",
        "a second msec");
    T_SET_ERR("msec 1q;",
        "invalid value \"1q\" in \"msec\" directive, it "
        "must be a time such as 500ms, 30s or 1h 30m in t.conf:1",
        "bad time");
    T_SET_OK("msec_b 60s;", "msec upper bound");
    T_SET_ERR("msec_b 61s;",
        "invalid value \"61s\" in \"msec_b\" directive,"
        " it must be between 1 and 60000 in t.conf:1",
        "msec above");
    T_SET_ERR("msec_b 0;",
        "invalid value \"0\" in \"msec_b\" directive, it "
        "must be between 1 and 60000 in t.conf:1",
        "msec below");

    T_SET_OK("sec 1h;", "sec 1h");
    T_IS_INT(hv_test_obj.sec, 3600, "stored in seconds");
    T_SET_OK("sec 2000ms;", "whole seconds in ms");
    T_IS_INT(hv_test_obj.sec, 2, "stored");
    T_SET_ERR("sec 1500ms;",
        "invalid value \"1500ms\" in \"sec\" directive, "
        "it must be a whole number of seconds in t.conf:1",
        "a fraction");
    T_SET_ERR("sec 1s; sec 1s;", "\"sec\" directive is duplicate in t.conf:1",
        "a second sec");
}


static void
hv_test_strings(hv_test_conf_t *t)
{
    hv_str_t *list;

    hv_tap_subtest("str, path, str_array and enum slots");

    T_SET_OK("str \"a b\";", "str");
    T_IS_STR((char *) hv_test_obj.str.data, "a b", "stored, NUL-terminated");
    T_IS_INT(hv_test_obj.str.len, 3, "length");
    T_SET_OK("str '';", "an empty str");
    T_OK(hv_test_obj.str.data != NULL && hv_test_obj.str.len == 0,
        "is set, and empty");
    T_SET_ERR("str a;\nstr b;", "\"str\" directive is duplicate in t.conf:2",
        "a second str");

    T_SET_OK("path logs/a.pid;", "relative path");
    T_IS_STR((char *) hv_test_obj.path.data, "/tmp/x/logs/a.pid",
        "resolved against the prefix");
    T_SET_OK("path /var/run/a.pid;", "absolute path");
    T_IS_STR((char *) hv_test_obj.path.data, "/var/run/a.pid", "as is");
    T_SET_ERR("path a; path b;",
        "\"path\" directive is duplicate in "
        "t.conf:1",
        "a second path");

    T_SET_OK("list a b;\nlist c;", "str_array twice");
    T_IS_INT(hv_test_obj.list->nelts, 3, "three values");
    list = hv_test_obj.list->elts;
    T_IS_STR((char *) list[0].data, "a", "first");
    T_IS_STR((char *) list[2].data, "c", "from the second directive");
    hv_test_unset();
    hv_test_obj.list = NULL;
    T_IS_INT(
        hv_test_parse(t, "list x;") == HV_CONF_OK, 1, "str_array from NULL");
    T_IS_INT(hv_test_obj.list->nelts, 1, "created");

    T_SET_OK("mode fast;", "enum");
    T_IS_INT(hv_test_obj.mode, 2, "its value");
    T_SET_OK("mode SLOW;", "enum names ignore case");
    T_IS_INT(hv_test_obj.mode, 1, "its value");
    T_SET_ERR("mode x;",
        "invalid value \"x\" in \"mode\" directive, it must "
        "be \"slow\", \"fast\" or \"auto\" in t.conf:1",
        "three choices");
    T_SET_ERR("pair x;",
        "invalid value \"x\" in \"pair\" directive, it must "
        "be \"left\" or \"right\" in t.conf:1",
        "two choices");
    T_SET_ERR("mode auto;\nmode auto;",
        "\"mode\" directive is duplicate in "
        "t.conf:2",
        "a second enum");
}


int
main(void)
{
    hv_test_conf_t t;

    hv_test_conf_init(&t, hv_test_modules);
    t.main_conf[0] = &hv_test_obj;

    hv_test_parse_flag();
    hv_test_parse_size();
    hv_test_parse_msec();
    hv_test_flag_num(&t);
    hv_test_size_time(&t);
    hv_test_strings(&t);

    T_IS_STR(hv_test_log(&t), "", "nothing else was logged");

    hv_test_conf_free(&t);
    return hv_tap_done();
}
