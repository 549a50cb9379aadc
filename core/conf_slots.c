/*
 * core/conf_slots.c - typed setters and value parsers (STYLE 7).
 *
 * A setter writes the field at cmd->offset of the configuration object it
 * is given.  A field that is already set means the directive appeared
 * twice in one context: the setter returns "is duplicate" and the
 * dispatcher adds the directive name and FILE:LINE.  Values that do not
 * parse are logged here, with the value, because the dispatcher only
 * knows the directive.
 *
 * Sizes: a decimal number with an optional k/K (KiB), m/M (MiB) or g/G
 * (GiB) suffix.  Times: one or more "NUMBER UNIT" groups, largest unit
 * first ("1h 30m", "1h30m"); units ms, s, m, h, d and, as in nginx, w
 * (7 days), M (30 days), y (365 days); a bare number means seconds.
 * Flags and enum names compare without case, as in nginx.
 */
#include "core/core.h"
#include "core/conf_internal.h"


/* Time units, largest first: a value lists them in this order. */
typedef struct {
    const char *name;
    int64_t msec;
} hv_conf_time_unit_t;

static const hv_conf_time_unit_t hv_conf_time_units[] = {
    { "y", 365LL * 24 * 60 * 60 * 1000 },
    { "M", 30LL * 24 * 60 * 60 * 1000 },
    { "w", 7LL * 24 * 60 * 60 * 1000 },
    { "d", 24LL * 60 * 60 * 1000 },
    { "h", 60LL * 60 * 1000 },
    { "m", 60LL * 1000 },
    { "s", 1000 },
    { "ms", 1 },
};

#define HV_CONF_UNIT_SECONDS 6 /* index of "s": the unit of a bare number */


static char *hv_conf_bad_value(
    hv_conf_t *cf, const hv_command_t *cmd, const char *what);
static char *hv_conf_check_bounds(
    hv_conf_t *cf, const hv_command_t *cmd, int64_t value);


int
hv_conf_parse_flag(const hv_str_t *text)
{
    if (hv_str_caseeq_cstr(text, "on")) {
        return 1;
    }
    if (hv_str_caseeq_cstr(text, "off")) {
        return 0;
    }

    return HV_ERROR;
}


int64_t
hv_conf_parse_size(const hv_str_t *text)
{
    int64_t scale, n;
    size_t len;

    len = text->len;
    if (len == 0) {
        return HV_ERROR;
    }

    switch (text->data[len - 1]) {
        case 'k':
        case 'K':
            scale = 1024;
            len--;
            break;
        case 'm':
        case 'M':
            scale = 1024 * 1024;
            len--;
            break;
        case 'g':
        case 'G':
            scale = 1024 * 1024 * 1024;
            len--;
            break;
        default:
            scale = 1;
            break;
    }

    /* sizes end up in size_t and off_t fields: INT64_MAX fits both here */
    n = hv_atoi(text->data, len, INT64_MAX / scale);
    if (n == HV_ERROR) {
        return HV_ERROR;
    }

    return n * scale;
}


/* Reads the unit at *p (none: seconds); returns its index or -1. */
static int
hv_conf_time_unit(const unsigned char **p, const unsigned char *end)
{
    size_t i, len;

    if (*p == end || **p == ' ' || **p == '\t') {
        return HV_CONF_UNIT_SECONDS;
    }

    /* longest name first, so that "ms" is not read as "m" */
    for (len = 2; len > 0; len--) {
        for (i = 0; i < hv_nelems(hv_conf_time_units); i++) {
            if (strlen(hv_conf_time_units[i].name) == len &&
                (size_t) (end - *p) >= len &&
                memcmp(*p, hv_conf_time_units[i].name, len) == 0) {
                *p += len;
                return (int) i;
            }
        }
    }

    return -1;
}


int64_t
hv_conf_parse_msec(const hv_str_t *text)
{
    const unsigned char *p, *end, *digits;
    int64_t total, n, scale;
    size_t ndigits;
    int unit, last;

    p = text->data;
    end = p + text->len;
    total = 0;
    last = -1;

    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (p == end) {
            break;
        }

        for (digits = p; p < end && *p >= '0' && *p <= '9'; p++) {
            /* find the end of the number */
        }
        ndigits = (size_t) (p - digits);

        unit = hv_conf_time_unit(&p, end);
        if (unit <= last) {
            return HV_ERROR; /* unknown, repeated or out of order */
        }
        last = unit;

        /* n * scale + total <= INT64_MAX */
        scale = hv_conf_time_units[unit].msec;
        n = hv_atoi(digits, ndigits, (INT64_MAX - total) / scale);
        if (n == HV_ERROR) {
            return HV_ERROR;
        }

        total += n * scale;
    }

    return (last == -1) ? HV_ERROR : total;
}


/* The field a setter writes: type at cmd->offset in conf. */
#define hv_conf_field(conf, cmd, type) \
    ((type *) (void *) ((char *) (conf) + (cmd)->offset))


char *
hv_conf_set_flag_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    int *field = hv_conf_field(conf, cmd, int);
    int flag;

    if (*field != HV_CONF_UNSET) {
        return "is duplicate";
    }

    flag = hv_conf_parse_flag(&value[1]);
    if (flag == HV_ERROR) {
        return hv_conf_bad_value(cf, cmd, "it must be \"on\" or \"off\"");
    }

    *field = flag;
    return HV_CONF_OK;
}


char *
hv_conf_set_num_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_int_t *field = hv_conf_field(conf, cmd, hv_int_t);
    int64_t n;

    if (*field != HV_CONF_UNSET) {
        return "is duplicate";
    }

    n = hv_atoi(value[1].data, value[1].len, INTPTR_MAX);
    if (n == HV_ERROR) {
        return hv_conf_bad_value(cf, cmd, "it must be a number");
    }

    if (hv_conf_check_bounds(cf, cmd, n) != HV_CONF_OK) {
        return HV_CONF_ERROR;
    }

    *field = (hv_int_t) n;
    return HV_CONF_OK;
}


char *
hv_conf_set_size_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    size_t *field = hv_conf_field(conf, cmd, size_t);
    int64_t n;

    if (*field != HV_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    n = hv_conf_parse_size(&value[1]);
    if (n == HV_ERROR || (uint64_t) n >= SIZE_MAX) {
        return hv_conf_bad_value(
            cf, cmd, "it must be a size such as 512, 16k or 1m");
    }

    if (hv_conf_check_bounds(cf, cmd, n) != HV_CONF_OK) {
        return HV_CONF_ERROR;
    }

    *field = (size_t) n;
    return HV_CONF_OK;
}


#define HV_CONF_TIME_HINT "it must be a time such as 500ms, 30s or 1h 30m"

char *
hv_conf_set_msec_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_msec_t *field = hv_conf_field(conf, cmd, hv_msec_t);
    int64_t n;

    if (*field != HV_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    n = hv_conf_parse_msec(&value[1]);
    if (n == HV_ERROR) {
        return hv_conf_bad_value(cf, cmd, HV_CONF_TIME_HINT);
    }

    if (hv_conf_check_bounds(cf, cmd, n) != HV_CONF_OK) {
        return HV_CONF_ERROR;
    }

    *field = (hv_msec_t) n;
    return HV_CONF_OK;
}


char *
hv_conf_set_sec_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    time_t *field = hv_conf_field(conf, cmd, time_t);
    int64_t n;

    if (*field != HV_CONF_UNSET) {
        return "is duplicate";
    }

    n = hv_conf_parse_msec(&value[1]);
    if (n == HV_ERROR) {
        return hv_conf_bad_value(cf, cmd, HV_CONF_TIME_HINT);
    }

    if (n % 1000 != 0) {
        return hv_conf_bad_value(
            cf, cmd, "it must be a whole number of seconds");
    }

    if (hv_conf_check_bounds(cf, cmd, n / 1000) != HV_CONF_OK) {
        return HV_CONF_ERROR;
    }

    *field = (time_t) (n / 1000);
    return HV_CONF_OK;
}


char *
hv_conf_set_str_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_str_t *field = hv_conf_field(conf, cmd, hv_str_t);

    if (field->data != NULL) {
        return "is duplicate";
    }

    /* the word already lives, NUL-terminated, in cf->pool */
    *field = value[1];
    return HV_CONF_OK;
}


char *
hv_conf_set_path_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_str_t *field = hv_conf_field(conf, cmd, hv_str_t);
    hv_str_t path;

    if (field->data != NULL) {
        return "is duplicate";
    }

    path = value[1];
    if (hv_conf_full_name(cf->cycle, &path, false) != HV_OK) {
        return HV_CONF_ERROR;
    }

    *field = path;
    return HV_CONF_OK;
}


char *
hv_conf_set_str_array_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_array_t **field = hv_conf_field(conf, cmd, hv_array_t *);
    hv_str_t *s;
    hv_uint_t i;

    if (*field == NULL || *field == HV_CONF_UNSET_PTR) {
        *field = hv_array_create(cf->pool, 4, sizeof(hv_str_t));
        if (*field == NULL) {
            return HV_CONF_ERROR;
        }
    }

    for (i = 1; i < cf->args->nelts; i++) {
        s = hv_array_push(*field);
        if (s == NULL) {
            return HV_CONF_ERROR;
        }
        *s = value[i];
    }

    return HV_CONF_OK;
}


char *
hv_conf_set_enum_slot(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_uint_t *field = hv_conf_field(conf, cmd, hv_uint_t);
    const hv_conf_enum_t *e;
    char hint[512];
    size_t len;

    if (*field != HV_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    for (e = cmd->post; e->name != NULL; e++) {
        if (hv_str_caseeq_cstr(&value[1], e->name)) {
            *field = e->value;
            return HV_CONF_OK;
        }
    }

    /* it must be "a", "b" or "c" */
    len = (size_t) snprintf(hint, sizeof(hint), "it must be");
    for (e = cmd->post; e->name != NULL && len < sizeof(hint); e++) {
        len += (size_t) snprintf(hint + len, sizeof(hint) - len, "%s\"%s\"",
            e == cmd->post      ? " "
            : e[1].name == NULL ? " or "
                                : ", ",
            e->name);
    }

    return hv_conf_bad_value(cf, cmd, hint);
}


/* Logs: invalid value "X" in "NAME" directive, HINT. */
static char *
hv_conf_bad_value(hv_conf_t *cf, const hv_command_t *cmd, const char *hint)
{
    hv_str_t *value = cf->args->elts;

    hv_conf_log_error(HV_LOG_EMERG, cf, 0,
        "invalid value \"%.*s\" in \"%s\" directive, %s", (int) value[1].len,
        value[1].data, cmd->name, hint);
    return HV_CONF_ERROR;
}


/* Checks value against the hv_conf_bounds_t in cmd->post, if any. */
static char *
hv_conf_check_bounds(hv_conf_t *cf, const hv_command_t *cmd, int64_t value)
{
    const hv_conf_bounds_t *b = cmd->post;
    char hint[96];

    if (b == NULL || (value >= b->low && value <= b->high)) {
        return HV_CONF_OK;
    }

    snprintf(hint, sizeof(hint), "it must be between %lld and %lld",
        (long long) b->low, (long long) b->high);

    return hv_conf_bad_value(cf, cmd, hint);
}
