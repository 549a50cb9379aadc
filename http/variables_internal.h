/*
 * http/variables_internal.h - what http/variables.c, the getters in
 * http/variables_get.c and the regex code in http/regex.c share; not part
 * of the HTTP layer's interface.
 */
#ifndef HV_HTTP_VARIABLES_INTERNAL_H
#define HV_HTTP_VARIABLES_INTERNAL_H

#include "http/http_core_internal.h"


/* Records a named regex group (NUL-terminated) as a variable name. */
int hv_http_variables_add_capture(hv_conf_t *cf, const unsigned char *name);

/* The n of the variables that share a getter. */
#define HV_HTTP_VAR_REMOTE_PORT 1
#define HV_HTTP_VAR_SERVER_PORT 2
#define HV_HTTP_VAR_REQUEST_LENGTH 3
#define HV_HTTP_VAR_BODY_BYTES_SENT 4
#define HV_HTTP_VAR_BYTES_SENT 5
#define HV_HTTP_VAR_CONNECTION 6
#define HV_HTTP_VAR_CONNECTION_REQUESTS 7
#define HV_HTTP_VAR_PID 8
#define HV_HTTP_VAR_REQUEST_TIME 9
#define HV_HTTP_VAR_CONNECTION_TIME 10
#define HV_HTTP_VAR_MSEC 11
#define HV_HTTP_VAR_TIME_LOCAL 12
#define HV_HTTP_VAR_TIME_ISO8601 13

/*
 * The core's getters (hv_http_variable_get_pt).  Those that serve
 * several variables tell them apart by n (HV_HTTP_VAR_*); for an exact
 * variable arg is its name, for a prefix one the NAME after the prefix.
 */
#define HV_HTTP_VAR_GETTER(name)                                      \
    void name(hv_http_request_t *r, const hv_str_t *arg, hv_uint_t n, \
        unsigned char *scratch, hv_str_t *out)

HV_HTTP_VAR_GETTER(hv_http_var_unresolved);
HV_HTTP_VAR_GETTER(hv_http_var_empty);
HV_HTTP_VAR_GETTER(hv_http_var_uri);
HV_HTTP_VAR_GETTER(hv_http_var_request_uri);
HV_HTTP_VAR_GETTER(hv_http_var_args);
HV_HTTP_VAR_GETTER(hv_http_var_is_args);
HV_HTTP_VAR_GETTER(hv_http_var_arg);
HV_HTTP_VAR_GETTER(hv_http_var_host);
HV_HTTP_VAR_GETTER(hv_http_var_server_name);
HV_HTTP_VAR_GETTER(hv_http_var_remote_addr);
HV_HTTP_VAR_GETTER(hv_http_var_server_addr);
HV_HTTP_VAR_GETTER(hv_http_var_scheme);
HV_HTTP_VAR_GETTER(hv_http_var_https);
HV_HTTP_VAR_GETTER(hv_http_var_request);
HV_HTTP_VAR_GETTER(hv_http_var_request_method);
HV_HTTP_VAR_GETTER(hv_http_var_protocol);
HV_HTTP_VAR_GETTER(hv_http_var_status);
HV_HTTP_VAR_GETTER(hv_http_var_number);
HV_HTTP_VAR_GETTER(hv_http_var_msec_value);
HV_HTTP_VAR_GETTER(hv_http_var_time);
HV_HTTP_VAR_GETTER(hv_http_var_pipe);
HV_HTTP_VAR_GETTER(hv_http_var_header_in);
HV_HTTP_VAR_GETTER(hv_http_var_header_out);
HV_HTTP_VAR_GETTER(hv_http_var_capture);
HV_HTTP_VAR_GETTER(hv_http_var_named_capture);

#endif /* HV_HTTP_VARIABLES_INTERNAL_H */
