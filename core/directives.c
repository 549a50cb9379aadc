/*
 * core/directives.c - the configuration reference, printed from the
 * modules' directive tables ("hive --directives"): name, contexts,
 * arguments and default of every directive the build has.  README's
 * reference is this output (make docs), so the two cannot drift.
 */
#include "core/core.h"


/* The context bits in the order a reader meets the blocks. */
static const hv_conf_enum_t hv_directives_contexts[] = {
    { "main", HV_MAIN_CONF },
    { "events", HV_EVENT_CONF },
    { "http", HV_HTTP_MAIN_CONF },
    { "server", HV_HTTP_SRV_CONF },
    { "location", HV_HTTP_LOC_CONF },
    { NULL, 0 },
};

/* "include" is built into the parser, so no module's table holds it. */
static const hv_command_t hv_directives_include = { "include",
    HV_ANY_CONF | HV_CONF_TAKE1, NULL, 0, 0, NULL, "—" };


static void hv_directives_contexts_text(char *buf, size_t size, hv_uint_t type);
static void hv_directives_args_text(char *buf, size_t size, hv_uint_t type);
static void hv_directives_line(
    FILE *out, const char *module, const hv_command_t *cmd, bool markdown);


int
hv_directives_print(FILE *out, const hv_module_t *const *modules, bool markdown)
{
    const hv_command_t *cmd;
    hv_uint_t i;

    if (markdown) {
        fprintf(out, "| directive | context | arguments | default | module |\n"
                     "|---|---|---|---|---|\n");
    } else {
        fprintf(out, "%-30s %-24s %-14s %-24s %s\n", "directive", "context",
            "arguments", "default", "module");
    }

    hv_directives_line(out, "core", &hv_directives_include, markdown);

    for (i = 0; modules[i] != NULL; i++) {
        for (cmd = modules[i]->commands; cmd != NULL && cmd->name != NULL;
             cmd++) {
            hv_directives_line(out, modules[i]->name, cmd, markdown);
        }
    }

    return (fflush(out) == 0 && !ferror(out)) ? HV_OK : HV_ERROR;
}


static void
hv_directives_line(
    FILE *out, const char *module, const hv_command_t *cmd, bool markdown)
{
    char contexts[64], args[64];
    const char *dflt, *p;
    int width;

    hv_directives_contexts_text(contexts, sizeof(contexts), cmd->type);
    hv_directives_args_text(args, sizeof(args), cmd->type);

    /* a table entry without its default is a bug the test reports */
    dflt = (cmd->doc_default != NULL) ? cmd->doc_default : "?";

    if (!markdown) {
        /* the width counts bytes: widen it by the UTF-8 ones that follow
           a lead byte ("—" is three bytes, one column) */
        width = 24;
        for (p = dflt; *p != '\0'; p++) {
            width += ((*p & 0xc0) == 0x80);
        }
        fprintf(out, "%-30s %-24s %-14s %-*s %s\n", cmd->name, contexts, args,
            width, dflt, module);
        return;
    }

    if (strcmp(dflt, "—") == 0) {
        fprintf(out, "| `%s` | %s | %s | — | %s |\n", cmd->name, contexts, args,
            module);
    } else {
        fprintf(out, "| `%s` | %s | %s | `%s` | %s |\n", cmd->name, contexts,
            args, dflt, module);
    }
}


/* "main", "http, server, location", or "any" for every context. */
static void
hv_directives_contexts_text(char *buf, size_t size, hv_uint_t type)
{
    const hv_conf_enum_t *c;
    size_t len;

    buf[0] = '\0';

    if ((type & HV_ANY_CONF) == HV_ANY_CONF) {
        (void) snprintf(buf, size, "any");
        return;
    }

    for (c = hv_directives_contexts; c->name != NULL; c++) {
        if (type & c->value) {
            len = strlen(buf);
            (void) snprintf(
                buf + len, size - len, "%s%s", len > 0 ? ", " : "", c->name);
        }
    }
}


/*
 * The argument count in words: "none", "on/off", "1", "1-2", "1 or 3",
 * "2+", "any"; a block directive says "{ }" after them.  No text holds a
 * '|', so the Markdown table needs no escapes.
 */
static void
hv_directives_args_text(char *buf, size_t size, hv_uint_t type)
{
    hv_uint_t n, lo, hi, bits;
    size_t len;

    bits = type & (HV_CONF_ARGS_MASK & ~HV_CONF_NOARGS);
    lo = 0;
    hi = 0;
    for (n = 1; n <= 7; n++) {
        if (bits & (HV_CONF_NOARGS << n)) {
            lo = (lo == 0) ? n : lo;
            hi = n;
        }
    }

    if (type & HV_CONF_FLAG) {
        (void) snprintf(buf, size, "on/off");
    } else if (type & HV_CONF_ANY) {
        (void) snprintf(buf, size, "any");
    } else if (type & HV_CONF_1MORE) {
        (void) snprintf(buf, size, "1+");
    } else if (type & HV_CONF_2MORE) {
        (void) snprintf(buf, size, "2+");
    } else if (lo == 0) {
        (void) snprintf(buf, size, "none");
    } else if (lo == hi) {
        (void) snprintf(buf, size, "%u", (unsigned) lo);
    } else if (bits == (((1UL << (hi + 1)) - 1) & ~((1UL << lo) - 1))) {
        (void) snprintf(buf, size, "%u-%u", (unsigned) lo, (unsigned) hi);
    } else {
        (void) snprintf(buf, size, "%u or %u", (unsigned) lo, (unsigned) hi);
    }

    if (type & HV_CONF_BLOCK) {
        if (lo == 0) {
            buf[0] = '\0'; /* "{ }" alone rather than "none { }" */
        }
        len = strlen(buf);
        (void) snprintf(buf + len, size - len, "%s{ }", len > 0 ? " " : "");
    }
}
