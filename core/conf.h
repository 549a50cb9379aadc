/*
 * core/conf.h - the directive file: parser state, directive tables and the
 * typed setters (STYLE 7, 8, 25).
 *
 * Three layers, three files: core/conf_lex.c cuts the text into words and
 * knows FILE:LINE; core/conf_parse.c walks blocks and includes, finds each
 * directive in the modules' tables and checks its context and argument
 * count once, centrally; core/conf_slots.c holds the typed setters that
 * let most directives need no code of their own.
 */
#ifndef HV_CONF_H
#define HV_CONF_H

/* Argument-count bits of hv_command_t.type: TAKEn means "n arguments". */
#define HV_CONF_NOARGS 0x00000001
#define HV_CONF_TAKE1 0x00000002
#define HV_CONF_TAKE2 0x00000004
#define HV_CONF_TAKE3 0x00000008
#define HV_CONF_TAKE4 0x00000010
#define HV_CONF_TAKE5 0x00000020
#define HV_CONF_TAKE6 0x00000040
#define HV_CONF_TAKE7 0x00000080
#define HV_CONF_TAKE12 (HV_CONF_TAKE1 | HV_CONF_TAKE2)
#define HV_CONF_TAKE13 (HV_CONF_TAKE1 | HV_CONF_TAKE3)
#define HV_CONF_TAKE23 (HV_CONF_TAKE2 | HV_CONF_TAKE3)
#define HV_CONF_TAKE123 (HV_CONF_TAKE12 | HV_CONF_TAKE3)
#define HV_CONF_TAKE1234 (HV_CONF_TAKE123 | HV_CONF_TAKE4)
#define HV_CONF_ARGS_MASK 0x000000ff
#define HV_CONF_BLOCK 0x00000100 /* the directive opens a { block } */
#define HV_CONF_FLAG 0x00000200  /* exactly one argument, on or off */
#define HV_CONF_ANY 0x00000400   /* any number of arguments */
#define HV_CONF_1MORE 0x00000800 /* one or more arguments */
#define HV_CONF_2MORE 0x00001000 /* two or more arguments */

/* Context bits of hv_command_t.type: where the directive may appear. */
#define HV_MAIN_CONF 0x01000000
#define HV_EVENT_CONF 0x02000000
#define HV_HTTP_MAIN_CONF 0x04000000
#define HV_HTTP_SRV_CONF 0x08000000
#define HV_HTTP_LOC_CONF 0x10000000
#define HV_ANY_CONF 0x1f000000

/* Which configuration object a directive writes (hv_command_t.conf). */
#define HV_CONF_MAIN 0 /* ctx->main_conf[module index] */
#define HV_CONF_SRV 1  /* ctx->srv_conf[module index] */
#define HV_CONF_LOC 2  /* ctx->loc_conf[module index] */

/* Setter results: NULL is success; any other pointer is a message. */
#define HV_CONF_OK NULL
#define HV_CONF_ERROR ((char *) -1) /* the error was logged already */

/* Unset sentinels that merge functions recognise (STYLE 8). */
#define HV_CONF_UNSET -1
#define HV_CONF_UNSET_UINT ((hv_uint_t) -1)
#define HV_CONF_UNSET_PTR ((void *) -1)
#define HV_CONF_UNSET_SIZE ((size_t) -1)
#define HV_CONF_UNSET_MSEC ((hv_msec_t) -1)

/* hv_conf_lex_next() results besides HV_OK (a ';'-ended directive). */
#define HV_CONF_BLOCK_START 1 /* words then '{' */
#define HV_CONF_BLOCK_DONE 2  /* '}' */
#define HV_CONF_FILE_DONE 3   /* end of the input */

/* Longest single directive: words per directive, bytes per word. */
#define HV_CONF_MAX_ARGS 64
#define HV_CONF_MAX_WORD 65536

/*
 * The configuration objects of the current context.  main_conf is always
 * the cycle's array (one slot per module, HV_MODULES_N long); srv_conf and
 * loc_conf are set inside http { } by the HTTP core.
 */
typedef struct {
    void **main_conf;
    void **srv_conf;
    void **loc_conf;
} hv_conf_ctx_t;

typedef char *(*hv_conf_set_pt)(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);

/*
 * One directive (STYLE 7).  The setter gets the module's configuration
 * object of the kind `conf` names and writes the field at `offset`;
 * `post` is setter-specific data (an enum table, bounds, a check).
 * `doc_default` is the default as the reference prints it ("hive
 * --directives", README): the value in nginx's spelling, or "—" when the
 * directive has none; every directive of a module gives one, so that
 * the reference is generated from this table and cannot drift.
 */
struct hv_command_s {
    const char *name;
    hv_uint_t type; /* context bits | argument bits */
    hv_conf_set_pt set;
    hv_uint_t conf; /* HV_CONF_MAIN, HV_CONF_SRV, HV_CONF_LOC */
    size_t offset;
    const void *post;
    const char *doc_default;
};

#define hv_null_command                 \
    {                                   \
        NULL, 0, NULL, 0, 0, NULL, NULL \
    }

/* One input being read: a file or a memory buffer (for tests, fuzzing). */
typedef struct {
    const unsigned char *start;
    const unsigned char *pos;
    const unsigned char *end;
    hv_str_t name;       /* file name, NUL-terminated */
    hv_uint_t line;      /* line of the current statement's first
                            word (or of the error), from 1 */
    hv_uint_t scan_line; /* the lexer's own: line at pos */
} hv_conf_lex_t;

/*
 * A block whose body is not made of directives (e.g. "types { ... }")
 * installs a handler that receives every statement's words instead.
 */
typedef char *(*hv_conf_handler_pt)(hv_conf_t *cf, void *data);

struct hv_conf_s {
    hv_cycle_t *cycle;
    hv_pool_t *pool;            /* the cycle's pool: lives with the config */
    hv_pool_t *temp_pool;       /* freed when parsing ends */
    hv_log_t *log;              /* where errors go */
    hv_conf_ctx_t *ctx;         /* objects of the current context */
    hv_uint_t module_type;      /* 0 or the module type whose
                                   directives apply here */
    hv_uint_t cmd_type;         /* context bit of the current block */
    hv_array_t *args;           /* hv_str_t: the directive's words */
    hv_conf_lex_t *lex;         /* the input being read */
    hv_conf_handler_pt handler; /* see hv_conf_handler_pt */
    void *handler_data;
    hv_uint_t include_depth;           /* bounded, against include loops */
    hv_uint_t block_depth;             /* open { blocks }, bounded so that a
                                          hostile file cannot exhaust the stack */
    const hv_module_t *const *modules; /* NULL-terminated table searched
                                          for directives: hv_modules, or
                                          a test's own */

    /*
     * FNV-1a over the words of every statement read, includes expanded,
     * except the words that open a block ("location /x {": a name, not
     * content; the block's statements are folded in).  A block setter
     * that saves it, sets HV_CONF_DIGEST_INIT, parses its block and
     * restores it gets a fingerprint of the block's own text that leaves
     * such nested blocks out, for the reload summary.
     */
    uint64_t digest;
};

#define HV_CONF_DIGEST_INIT 14695981039346656037ULL

/* Typed data for setters. */
typedef struct {
    const char *name;
    hv_uint_t value;
} hv_conf_enum_t; /* a NULL name ends the table */

typedef struct {
    int64_t low;
    int64_t high;
} hv_conf_bounds_t; /* post of num/size/msec slots */

/*
 * Parses the file at filename (absolute, or relative to the conf
 * prefix), or, when filename is NULL, the rest of the current block: block
 * setters call hv_conf_parse(cf, NULL) after switching cf->ctx and
 * cf->cmd_type, and it returns at the matching '}'.  Returns HV_CONF_OK or
 * HV_CONF_ERROR; every error is logged with FILE:LINE.
 *
 * The block's statements reuse cf->args, so a block setter reads its own
 * words before the call (the bytes stay valid: they live in cf->pool).
 * "include GLOB;" is built in and allowed everywhere.  Every file read is
 * appended to cycle->conf_dump once the cycle has initialised that array.
 */
char *hv_conf_parse(hv_conf_t *cf, const hv_str_t *filename);

/*
 * Same as a file, from memory; name is used in error messages.  The name
 * "command line" (the -g text) is printed without a line number, as nginx
 * does.  Words are copied into cf->pool, so buf may go once this returns.
 */
char *hv_conf_parse_buffer(
    hv_conf_t *cf, const char *name, const unsigned char *buf, size_t len);

/*
 * Reads the next statement's words into args (emptied first).  Returns
 * HV_OK, HV_CONF_BLOCK_START, HV_CONF_BLOCK_DONE, HV_CONF_FILE_DONE, or
 * HV_ERROR after logging the error with FILE:LINE.  Understands # comments,
 * '...' and "..." quoting with \" \' \\ \n \r \t escapes (a backslash
 * before any other character is kept, as nginx does), and ${var} is left
 * as is for the variable layer.  Words are copied into cf->pool and
 * NUL-terminated (len excludes the NUL); lx->line is the line of the
 * statement's first word.
 */
int hv_conf_lex_next(hv_conf_t *cf, hv_conf_lex_t *lx, hv_array_t *args);

/*
 * Logs "MESSAGE in FILE:LINE" at level (emerg for errors).  A non-zero err
 * adds " (ERRNO: strerror)" before " in FILE:LINE", nginx's order; with no
 * input being read (cf->lex NULL) the suffix is " in command line".
 */
void hv_conf_log_error(hv_uint_t level, hv_conf_t *cf, hv_err_t err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Resolves a relative path against the prefix (conf_prefix false) or the
 * directory of the main configuration file (conf_prefix true), in place,
 * in the cycle's pool; the result is NUL-terminated (an absolute name is
 * copied unchanged, to get the NUL).  HV_OK or HV_ERROR.
 */
int hv_conf_full_name(hv_cycle_t *cycle, hv_str_t *name, bool conf_prefix);

/* Typed setters. */
char *hv_conf_set_flag_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* int field: 1 on, 0 off */
char *hv_conf_set_num_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* hv_int_t field; post: bounds */
char *hv_conf_set_size_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* size_t field, k/m/g; post: bounds */
char *hv_conf_set_msec_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* hv_msec_t, ms/s/m/h/d (bare = s) */
char *hv_conf_set_sec_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* time_t seconds, same units */
char *hv_conf_set_str_slot(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf); /* hv_str_t field */
char *hv_conf_set_path_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* hv_str_t, resolved against the prefix */
char *hv_conf_set_str_array_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* hv_array_t * of hv_str_t; all args */
char *hv_conf_set_enum_slot(hv_conf_t *cf, const hv_command_t *cmd,
    void *conf); /* hv_uint_t; post: hv_conf_enum_t[] */

/*
 * Value parsers shared by the setters and by directives with their own
 * setter.  Each returns HV_ERROR for malformed text or a value that does
 * not fit the type.
 */
int64_t hv_conf_parse_size(const hv_str_t *text); /* "10k" */
int64_t hv_conf_parse_msec(const hv_str_t *text); /* "1m 30s" */
int hv_conf_parse_flag(const hv_str_t *text);     /* 1, 0 or -1 */

/* Merge helpers: take the parent's value, else the default. */
static inline void
hv_conf_merge_int(hv_int_t *conf, hv_int_t prev, hv_int_t dflt)
{
    if (*conf == HV_CONF_UNSET) {
        *conf = (prev == HV_CONF_UNSET) ? dflt : prev;
    }
}

static inline void
hv_conf_merge_flag(int *conf, int prev, int dflt)
{
    if (*conf == HV_CONF_UNSET) {
        *conf = (prev == HV_CONF_UNSET) ? dflt : prev;
    }
}

static inline void
hv_conf_merge_uint(hv_uint_t *conf, hv_uint_t prev, hv_uint_t dflt)
{
    if (*conf == HV_CONF_UNSET_UINT) {
        *conf = (prev == HV_CONF_UNSET_UINT) ? dflt : prev;
    }
}

static inline void
hv_conf_merge_size(size_t *conf, size_t prev, size_t dflt)
{
    if (*conf == HV_CONF_UNSET_SIZE) {
        *conf = (prev == HV_CONF_UNSET_SIZE) ? dflt : prev;
    }
}

static inline void
hv_conf_merge_msec(hv_msec_t *conf, hv_msec_t prev, hv_msec_t dflt)
{
    if (*conf == HV_CONF_UNSET_MSEC) {
        *conf = (prev == HV_CONF_UNSET_MSEC) ? dflt : prev;
    }
}

static inline void
hv_conf_merge_ptr(void **conf, void *prev, void *dflt)
{
    if (*conf == HV_CONF_UNSET_PTR) {
        *conf = (prev == HV_CONF_UNSET_PTR) ? dflt : prev;
    }
}

/* Strings are unset while data is NULL. */
static inline void
hv_conf_merge_str(hv_str_t *conf, const hv_str_t *prev, const char *dflt)
{
    if (conf->data == NULL) {
        if (prev->data != NULL) {
            *conf = *prev;
        } else {
            conf->len = strlen(dflt);
            conf->data = (unsigned char *) dflt;
        }
    }
}

#endif /* HV_CONF_H */
