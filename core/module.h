/*
 * core/module.h - the module interface (SPEC 7, STYLE 5).
 *
 * A module is one constant struct.  configure writes the table of modules
 * the build chose into objs/hive_modules.c, in the order auto/modules
 * lists them, and the compile-time index of each into objs/hive_modules.h
 * (HV_MODULE_<name>).  The index selects the module's slot in every
 * configuration array (cycle->conf, srv_conf, loc_conf), so nothing at run
 * time has to search for a module.
 *
 * When the hooks run:
 *   init_master  once, in the first process, before any configuration is
 *                read (process-wide library set-up).
 *   init_module  after a configuration parsed and validated, in the master,
 *                at start and at every reload (open shared zones, files).
 *   init_worker  in each new worker, after fork, before its loop starts.
 *   exit_worker  in a worker that is about to exit normally.
 *   exit_master  in the master that is about to exit.
 * Hooks that return int answer HV_OK or HV_ERROR (an error was logged).
 */
#ifndef HV_MODULE_H
#define HV_MODULE_H

#define HV_CORE_MODULE 1
#define HV_EVENT_MODULE 2
#define HV_HTTP_MODULE 3

struct hv_module_s {
    const char *name;
    hv_uint_t index;              /* HV_MODULE_<name>, checked at start-up */
    hv_uint_t type;               /* HV_CORE_MODULE, HV_EVENT_MODULE, ... */
    const void *ctx;              /* type-specific hooks */
    const hv_command_t *commands; /* ends with hv_null_command, or NULL */
    int (*init_master)(hv_log_t *log);
    int (*init_module)(hv_cycle_t *cycle);
    int (*init_worker)(hv_cycle_t *cycle);
    void (*exit_worker)(hv_cycle_t *cycle);
    void (*exit_master)(hv_cycle_t *cycle);
};

/*
 * The ctx of core and event modules: create_conf makes the module's object
 * in cycle->conf before parsing (unset fields); init_conf fills defaults
 * after parsing and validates (returns HV_CONF_OK or a message / error).
 */
typedef struct {
    void *(*create_conf)(hv_cycle_t *cycle);
    char *(*init_conf)(hv_cycle_t *cycle, void *conf);
} hv_core_module_t;

/* The table written by configure; NULL-terminated, hv_modules_n long. */
extern const hv_module_t *const hv_modules[];
extern const hv_uint_t hv_modules_n;

/* The main-context object of a module in a cycle, by module name. */
#define hv_cycle_conf(cycle, name) ((cycle)->conf[HV_MODULE_##name])

/*
 * Checks that every module's index field matches its table position
 * (catches a stale objs/), returns HV_OK or HV_ERROR after logging.
 */
int hv_modules_check(hv_log_t *log);

/*
 * Prints the configuration reference of modules (a NULL-terminated
 * table, normally hv_modules) to out: one line per directive with its
 * contexts, argument count, default (hv_command_t.doc_default) and
 * module, as plain columns or, with markdown, a Markdown table (what
 * README's reference holds).  "include" comes first: the parser has it
 * built in.  Returns HV_OK, or HV_ERROR when out could not be written.
 */
int hv_directives_print(
    FILE *out, const hv_module_t *const *modules, bool markdown);

#endif /* HV_MODULE_H */
