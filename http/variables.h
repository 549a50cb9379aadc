/*
 * http/variables.h - variables and templates: strings with "$name" and
 * "${name}" references, compiled once at configuration time and
 * evaluated per request ("log_format", "return", "add_header", "root",
 * "alias").
 *
 * A template is a list of parts, each a literal or a variable.  An
 * evaluation computes the length first and then writes exactly that many
 * bytes: both passes call the same getters on the same request state, and
 * getters neither allocate nor depend on anything that changes between
 * the passes (the time cache moves only in the event loop).
 */
#ifndef HV_HTTP_VARIABLES_H
#define HV_HTTP_VARIABLES_H

/* Bytes a getter may write into its scratch (numbers, times, addresses). */
#define HV_HTTP_VAR_SCRATCH 64

/*
 * A variable's getter: sets *out to the value (empty when the variable is
 * not set).  The value may point into the request, the connection or the
 * configuration, or into scratch (HV_HTTP_VAR_SCRATCH bytes).  arg is the
 * NAME of a prefix variable ("$http_NAME": the header name, lower case,
 * '_' read as '-') or the capture name; n the capture number.
 */
typedef void (*hv_http_variable_get_pt)(hv_http_request_t *r,
    const hv_str_t *arg, hv_uint_t n, unsigned char *scratch, hv_str_t *out);

/* One part of a template: a literal (get == NULL) or a variable. */
typedef struct {
    hv_http_variable_get_pt get;
    hv_str_t text; /* the literal, or the getter's arg */
    hv_uint_t n;   /* the getter's n */
} hv_http_template_part_t;

typedef struct hv_http_template_s {
    hv_str_t source;                /* as written */
    hv_http_template_part_t *parts; /* in order */
    hv_uint_t nparts;
    hv_uint_t nvars; /* 0: the value is source, always */
} hv_http_template_t;

/* Evaluation flags. */
#define HV_HTTP_TPL_LOG                          \
    0x1 /* access log: values escaped as \xHH    \
           ('"', '\', bytes outside 0x20..0x7e), \
           an empty value written "-" */
#define HV_HTTP_TPL_HEADER                         \
    0x2 /* a header field: control bytes in values \
           become %HH, so no variable can end the  \
           field or start another */

/*
 * Compiles text into cf->pool.  Names the core does not know yet are
 * taken as variables a module adds later or as named regex captures, and
 * checked by hv_http_variables_init() at the end of the http block.
 * NULL after logging "invalid variable name" (emerg) or on allocation
 * failure.
 */
hv_http_template_t *hv_http_template_compile(
    hv_conf_t *cf, const hv_str_t *text);

/* The bytes hv_http_template_write() will write with the same flags. */
size_t hv_http_template_len(
    hv_http_request_t *r, const hv_http_template_t *t, unsigned flags);

/* Writes the value at p (hv_http_template_len() bytes); returns the end. */
unsigned char *hv_http_template_write(hv_http_request_t *r,
    const hv_http_template_t *t, unsigned flags, unsigned char *p);

/*
 * The value in r->pool, NUL-terminated (the NUL not counted), or the
 * source itself when the template has no variables and no flags apply.
 * HV_OK or HV_ERROR (allocation).
 */
int hv_http_template_eval(hv_http_request_t *r, const hv_http_template_t *t,
    unsigned flags, hv_str_t *out);

/*
 * Adds a variable for a module (the TLS module's $ssl_protocol): name is
 * the whole name, or with prefix the part before NAME ("ssl_client_").
 * Call it before the http block ends (preconfiguration, or a directive).
 * HV_OK or HV_ERROR.
 */
int hv_http_variable_add(
    hv_conf_t *cf, const char *name, bool prefix, hv_http_variable_get_pt get);

/*
 * Resolves the names templates left open and logs "unknown variable" for
 * those that are neither a module's variable nor a capture name of some
 * regex of the http block.  Called once, after postconfiguration.
 */
int hv_http_variables_init(hv_conf_t *cf);

/*
 * Runs a regex from hv_http_regex_compile() on subject and, when it
 * matches, keeps its numbered and named captures in the request ($1,
 * $name) until the next match.  Captures point into subject, which must
 * live as long as the request.
 */
bool hv_http_regex_exec(
    hv_http_request_t *r, void *code, const hv_str_t *subject);

#endif /* HV_HTTP_VARIABLES_H */
