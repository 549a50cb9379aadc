/*
 * core/main.c - the command line (SPEC 3) and the start-up sequence.
 *
 * Order matters to tools written for nginx: the -e log is open before the
 * configuration is read, the pid file is written only once every socket
 * is bound (and after daemonizing, so it holds the master's pid), and
 * stderr goes to the error log once that is open.
 */
#include "core/core.h"
#include "core/process_internal.h"

#ifdef HV_HAVE_OPENSSL
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#endif


typedef struct {
    bool help;
    bool version;
    bool configure;         /* -V */
    bool test;              /* -t, -T */
    bool dump;              /* -T */
    bool quiet;             /* -q */
    bool directives;        /* --directives: print the reference */
    bool markdown;          /* --directives=markdown */
    const char *signal;     /* -s */
    const char *prefix;     /* -p */
    const char *error_log;  /* -e */
    const char *conf_file;  /* -c */
    const char *conf_param; /* -g */
} hv_options_t;


/*
 * What "-V" says is absent, in the spelling of nginx's configure, so that
 * tools that parse "configure arguments:" (nginx-tests' has()) skip what
 * hive does not do.
 */
static const char *const hv_configure_features[] = {
#ifdef HV_HAVE_OPENSSL
    "--with-http_ssl_module",
#endif
#ifdef HV_HAVE_MODULE_status
    "--with-http_stub_status_module",
#endif
#ifdef HV_HAVE_MODULE_gzip
    "--with-http_gzip_static_module",
#else
    "--without-http_gzip_module",
#endif
#ifndef HV_HAVE_MODULE_autoindex
    "--without-http_autoindex_module",
#endif
    "--without-http_charset_module",
    "--without-http_ssi_module",
    "--without-http_userid_module",
    "--without-http_access_module",
    "--without-http_auth_basic_module",
    "--without-http_mirror_module",
    "--without-http_geo_module",
    "--without-http_map_module",
    "--without-http_split_clients_module",
    "--without-http_referer_module",
    "--without-http_rewrite_module",
    "--without-http_proxy_module",
    "--without-http_fastcgi_module",
    "--without-http_uwsgi_module",
    "--without-http_scgi_module",
    "--without-http_grpc_module",
    "--without-http_memcached_module",
    "--without-http_limit_conn_module",
    "--without-http_limit_req_module",
    "--without-http_empty_gif_module",
    "--without-http_browser_module",
    "--without-http_upstream_hash_module",
    "--without-http_upstream_ip_hash_module",
    "--without-http_upstream_least_conn_module",
    "--without-http_upstream_random_module",
    "--without-http_upstream_keepalive_module",
    "--without-http_upstream_zone_module",
    NULL,
};


static int hv_get_options(int argc, char *const *argv, hv_options_t *opt);
static int hv_long_option(hv_options_t *opt, const char *arg);
static const char *hv_option_value(
    int argc, char *const *argv, int *i, const char *rest, char flag);
static int hv_set_option(hv_options_t *opt, char flag, const char *value);
static void hv_show_version(const hv_options_t *opt);
static int hv_init_names(hv_cycle_t *init, const hv_options_t *opt);
static int hv_init_prefix(hv_cycle_t *init, const char *prefix);
static int hv_path(
    hv_pool_t *pool, hv_str_t *out, const hv_str_t *prefix, const char *path);
static int hv_init_master_hooks(hv_log_t *log);
static void hv_dump_conf(hv_cycle_t *cycle);
static void hv_dump_file(hv_cycle_t *cycle, const hv_str_t *name);
static int hv_prepare(hv_cycle_t *init, const hv_options_t *opt);
static int hv_run(hv_cycle_t *cycle);


int
main(int argc, char **argv)
{
    hv_options_t opt;
    hv_cycle_t init, *cycle;
    int status;

    hv_time_update();

    /* before the options: they keep pointers into argv */
    if (hv_proctitle_init(argc, argv) != HV_OK) {
        return 1;
    }

    /* argv[0] against the cwd and PATH we were started with */
    (void) hv_upgrade_init(argc, argv);

    if (hv_get_options(argc, argv, &opt) != HV_OK) {
        return 1;
    }

    if (opt.version) {
        hv_show_version(&opt);
        if (!opt.test) {
            return 0;
        }
    }

    if (opt.directives) {
        return hv_directives_print(stdout, hv_modules, opt.markdown) == HV_OK
                   ? 0
                   : 1;
    }

    hv_log_stderr_echo(true);

    memset(&init, 0, sizeof(hv_cycle_t));
    init.log = hv_log_init();
    init.test_config = opt.test || opt.signal != NULL;
    cycle = NULL;
    status = 1;

    if (hv_prepare(&init, &opt) != HV_OK) {
        goto done;
    }

    cycle = hv_cycle_init(&init);

    if (cycle == NULL) {
        if (opt.test) {
            fprintf(stderr, "hive: configuration file %s test failed\n",
                (char *) init.conf_file.data);
        }
        goto done;
    }

    if (opt.test) {
        if (!opt.quiet) {
            fprintf(stderr,
                "hive: the configuration file %s syntax is ok\n"
                "hive: configuration file %s test is successful\n",
                (char *) cycle->conf_file.data, (char *) cycle->conf_file.data);
        }
        if (opt.dump) {
            hv_dump_conf(cycle);
        }
        status = 0;
        goto done;
    }

    if (opt.signal != NULL) {
        status = hv_signal_process(cycle, opt.signal);
        goto done;
    }

    hv_cycle_release(&init, cycle);

    return hv_run(cycle);

done:
    /* freed so that LeakSanitizer sees a clean exit */
    if (cycle != NULL) {
        hv_pool_destroy(cycle->pool);
    }
    if (init.pool != NULL) {
        hv_pool_destroy(init.pool);
    }

    return status;
}


/*
 * Everything before the configuration is read: paths, the -e log, the
 * module table, init_master hooks, and the shared memory that outlives
 * every reload.
 */
static int
hv_prepare(hv_cycle_t *init, const hv_options_t *opt)
{
    hv_shm_t shm;

    if (hv_init_names(init, opt) != HV_OK) {
        return HV_ERROR;
    }

    /* a failure was reported and the early log stays on stderr */
    (void) hv_log_open_early(init->log, (const char *) init->error_log.data);

    if (hv_modules_check(init->log) != HV_OK ||
        hv_init_master_hooks(init->log) != HV_OK) {
        return HV_ERROR;
    }

    shm.addr = NULL;
    shm.size = sizeof(hv_shared_t);
    if (hv_shm_alloc(&shm, init->log) != HV_OK) {
        return HV_ERROR;
    }
    init->shared = shm.addr;

    /* a new binary (USR2) takes its parent's sockets instead of binding */
    if (hv_listening_inherit(init) != HV_OK) {
        return HV_ERROR;
    }

    return HV_OK;
}


/* Owns cycle from here: the master frees it, a failure here does. */
static int
hv_run(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);

    if (hv_signals_init(cycle->log) != HV_OK) {
        goto failed;
    }

    /* a new binary stays the old master's child: it watches us exit */
    if (ccf->daemon && !hv_upgrade_inherited() &&
        hv_daemonize(cycle->log) != HV_OK) {
        goto failed;
    }

    hv_log_pid_update();

    if (hv_pid_file_write(cycle) != HV_OK) {
        goto failed;
    }

    hv_log_stderr_echo(false);
    (void) hv_log_redirect_stderr(cycle->log);

    hv_log_error(HV_LOG_NOTICE, cycle->log, 0, HIVE_VER);

    if (ccf->master_process) {
        hv_proctitle_set("master process", true);
        return hv_master_run(cycle);
    }

    /* returns only when the process could not start serving */
    (void) hv_single_run(cycle);
    hv_pid_file_delete(cycle);

failed:
    hv_pool_destroy(cycle->pool);
    return 1;
}


/* nginx's syntax: flags may be grouped (-tq), values attached or not. */
static int
hv_get_options(int argc, char *const *argv, hv_options_t *opt)
{
    const char *p, *value;
    char flag;
    int i;

    memset(opt, 0, sizeof(hv_options_t));

    for (i = 1; i < argc; i++) {
        p = argv[i];

        if (strncmp(p, "--", 2) == 0) {
            if (hv_long_option(opt, p) != HV_OK) {
                return HV_ERROR;
            }
            continue;
        }

        if (*p++ != '-' || *p == '\0') {
            fprintf(stderr, "hive: invalid option: \"%s\"\n", argv[i]);
            return HV_ERROR;
        }

        while (*p != '\0') {
            flag = *p++;

            switch (flag) {
                case '?':
                case 'h':
                    opt->help = true;
                    opt->version = true;
                    break;

                case 'v':
                    opt->version = true;
                    break;

                case 'V':
                    opt->version = true;
                    opt->configure = true;
                    break;

                case 'T':
                    opt->dump = true;
                    opt->test = true;
                    break;

                case 't':
                    opt->test = true;
                    break;

                case 'q':
                    opt->quiet = true;
                    break;

                case 'p':
                case 'e':
                case 'c':
                case 'g':
                case 's':
                    value = hv_option_value(argc, argv, &i, p, flag);
                    if (value == NULL ||
                        hv_set_option(opt, flag, value) != HV_OK) {
                        return HV_ERROR;
                    }
                    p = ""; /* the value ends this argument */
                    break;

                default:
                    fprintf(stderr, "hive: invalid option: \"%c\"\n", flag);
                    return HV_ERROR;
            }
        }
    }

    return HV_OK;
}


/* hive's own long options (nginx has none): --directives[=FORMAT]. */
static int
hv_long_option(hv_options_t *opt, const char *arg)
{
    if (strcmp(arg, "--directives") == 0 ||
        strcmp(arg, "--directives=text") == 0) {
        opt->directives = true;
        return HV_OK;
    }

    if (strcmp(arg, "--directives=markdown") == 0) {
        opt->directives = true;
        opt->markdown = true;
        return HV_OK;
    }

    fprintf(stderr, "hive: invalid option: \"%s\"\n", arg);
    return HV_ERROR;
}


/* "-cFILE" or "-c FILE"; NULL (reported) when the value is missing. */
static const char *
hv_option_value(
    int argc, char *const *argv, int *i, const char *rest, char flag)
{
    if (*rest != '\0') {
        return rest;
    }

    if (*i + 1 < argc) {
        *i += 1;
        return argv[*i];
    }

    fprintf(stderr, "hive: option \"-%c\" requires %s\n", flag,
        flag == 'p'                    ? "directory name"
        : (flag == 'e' || flag == 'c') ? "file name"
                                       : "parameter");
    return NULL;
}


static int
hv_set_option(hv_options_t *opt, char flag, const char *value)
{
    switch (flag) {
        case 'p':
            opt->prefix = value;
            break;
        case 'e':
            opt->error_log = value;
            break;
        case 'c':
            opt->conf_file = value;
            break;
        case 'g':
            opt->conf_param = value;
            break;
        default:
            if (hv_signal_by_name(value) == 0) {
                fprintf(stderr, "hive: invalid option: \"-s %s\"\n", value);
                return HV_ERROR;
            }
            opt->signal = value;
            break;
    }

    return HV_OK;
}


static void
hv_show_version(const hv_options_t *opt)
{
    const char *const *f;

    fprintf(stderr, "hive version: " HIVE_VER "\n");

    if (opt->help) {
        fprintf(stderr,
            "Usage: hive [-?hvVtTq] [-s signal] [-p prefix]\n"
            "            [-e filename] [-c filename] [-g directives]\n"
            "\n"
            "Options:\n"
            "  -?,-h         : this help\n"
            "  -v            : show version and exit\n"
            "  -V            : show version and configure options then exit\n"
            "  -t            : test configuration and exit\n"
            "  -T            : test configuration, dump it and exit\n"
            "  -q            : suppress non-error messages during "
            "configuration testing\n"
            "  -s signal     : send signal to a master process: "
            "stop, quit, reopen, reload\n"
            "  -p prefix     : set prefix path (default: " HV_PREFIX ")\n"
            "  -e filename   : set error log file (default: " HV_ERROR_LOG_PATH
            ")\n"
            "  -c filename   : set configuration file (default: " HV_CONF_PATH
            ")\n"
            "  -g directives : set global directives out of configuration "
            "file\n"
            "  --directives[=markdown] : print the directive reference and "
            "exit\n\n");
    }

    if (!opt->configure) {
        return;
    }

    fprintf(stderr, "built by %s\n", HV_CC_VERSION);

#ifdef HV_HAVE_OPENSSL
    if (strcmp(OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_TEXT) == 0) {
        fprintf(stderr, "built with %s\n", OPENSSL_VERSION_TEXT);
    } else {
        fprintf(stderr, "built with %s (running with %s)\n",
            OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION));
    }
    fprintf(stderr, "TLS SNI support enabled\n");
#endif

    fprintf(stderr, "configure arguments:");
    if (HV_CONFIGURE[0] != '\0') {
        fprintf(stderr, " %s", HV_CONFIGURE);
    }

    /* an option the user already gave is not repeated */
    for (f = hv_configure_features; *f != NULL; f++) {
        if (strstr(HV_CONFIGURE, *f) == NULL) {
            fprintf(stderr, " %s", *f);
        }
    }

    fprintf(stderr, "\n");
}


/*
 * prefix (ends with '/'), conf_file and error_log resolved against it as
 * nginx does, conf_prefix = the directory of conf_file.  Everything lives
 * in the init cycle's pool and is NUL-terminated.
 */
static int
hv_init_names(hv_cycle_t *init, const hv_options_t *opt)
{
    unsigned char *slash;

    init->pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, init->log);
    if (init->pool == NULL) {
        return HV_ERROR;
    }

    if (hv_init_prefix(init, opt->prefix != NULL ? opt->prefix : HV_PREFIX) !=
        HV_OK) {
        return HV_ERROR;
    }

    if (hv_path(init->pool, &init->conf_file, &init->prefix,
            opt->conf_file != NULL ? opt->conf_file : HV_CONF_PATH) != HV_OK) {
        return HV_ERROR;
    }

    slash = (unsigned char *) strrchr((char *) init->conf_file.data, '/');
    init->conf_prefix.len = (size_t) (slash - init->conf_file.data) + 1;
    init->conf_prefix.data =
        hv_pstrdup(init->pool, init->conf_file.data, init->conf_prefix.len);

    if (opt->error_log != NULL && strcmp(opt->error_log, "stderr") == 0) {
        hv_str_set(&init->error_log, "stderr");

    } else if (hv_path(init->pool, &init->error_log, &init->prefix,
                   opt->error_log != NULL ? opt->error_log
                                          : HV_ERROR_LOG_PATH) != HV_OK) {
        return HV_ERROR;
    }

    if (opt->conf_param != NULL) {
        init->conf_param.len = strlen(opt->conf_param);
        init->conf_param.data = hv_pstrdup(init->pool,
            (const unsigned char *) opt->conf_param, init->conf_param.len);
    }

    return init->conf_prefix.data != NULL &&
                   (opt->conf_param == NULL || init->conf_param.data != NULL)
               ? HV_OK
               : HV_ERROR;
}


/* An absolute prefix (a relative -p is taken from the cwd) ending in '/'. */
static int
hv_init_prefix(hv_cycle_t *init, const char *prefix)
{
    char cwd[PATH_MAX];
    size_t clen, plen;
    unsigned char *p;

    clen = 0;
    if (prefix[0] != '/') {
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            hv_log_error(HV_LOG_EMERG, init->log, errno, "getcwd() failed");
            return HV_ERROR;
        }
        clen = strlen(cwd);
    }

    plen = strlen(prefix);

    p = hv_pnalloc(init->pool, clen + plen + 3);
    if (p == NULL) {
        return HV_ERROR;
    }
    init->prefix.data = p;

    if (clen > 0) {
        p = hv_cpymem(p, cwd, clen);
        *p++ = '/';
    }
    p = hv_cpymem(p, prefix, plen);
    if (p[-1] != '/') {
        *p++ = '/';
    }
    *p = '\0';

    init->prefix.len = (size_t) (p - init->prefix.data);
    return HV_OK;
}


/* out = path when absolute, else prefix + path; NUL-terminated. */
static int
hv_path(
    hv_pool_t *pool, hv_str_t *out, const hv_str_t *prefix, const char *path)
{
    size_t plen, len;
    unsigned char *p;

    len = strlen(path);
    plen = (path[0] == '/') ? 0 : prefix->len;

    p = hv_pnalloc(pool, plen + len + 1);
    if (p == NULL) {
        return HV_ERROR;
    }

    out->data = p;
    out->len = plen + len;

    p = hv_cpymem(p, prefix->data, plen);
    p = hv_cpymem(p, path, len);
    *p = '\0';

    return HV_OK;
}


static int
hv_init_master_hooks(hv_log_t *log)
{
    hv_uint_t i;

    for (i = 0; hv_modules[i] != NULL; i++) {
        if (hv_modules[i]->init_master != NULL &&
            hv_modules[i]->init_master(log) != HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


/* -T: every file the parser read, once each, in the order read. */
static void
hv_dump_conf(hv_cycle_t *cycle)
{
    hv_str_t *names = cycle->conf_dump.elts;
    hv_uint_t i, j;

    if (cycle->conf_dump.nelts == 0) {
        hv_dump_file(cycle, &cycle->conf_file);
    }

    for (i = 0; i < cycle->conf_dump.nelts; i++) {
        for (j = 0; j < i; j++) {
            if (hv_str_eq(&names[i], &names[j])) {
                break;
            }
        }

        if (j == i) {
            hv_dump_file(cycle, &names[i]);
        }
    }

    (void) fflush(stdout);
}


static void
hv_dump_file(hv_cycle_t *cycle, const hv_str_t *name)
{
    unsigned char *path;
    char buf[8192];
    ssize_t n;
    int fd;

    path = hv_pstrdup(cycle->pool, name->data, name->len);
    if (path == NULL) {
        return;
    }

    fd = open((const char *) path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "open() \"%s\" failed",
            (char *) path);
        return;
    }

    printf("# configuration file %s:\n", (char *) path);

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        (void) fwrite(buf, 1, (size_t) n, stdout);
    }

    if (n == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "read() \"%s\" failed",
            (char *) path);
    }

    printf("\n");
    (void) close(fd);
}
