/*
 * core/conf_suggest.c - "did you mean": the known directive name nearest
 * to an unknown one, for the parser's "unknown directive" message.
 */
#include "core/core.h"
#include "core/conf_internal.h"


/*
 * At most this many edits, and names up to this length (the distance
 * rows live on the stack; no directive is near that long).
 */
#define HV_CONF_SUGGEST_EDITS 2
#define HV_CONF_SUGGEST_LEN 64


static void hv_conf_suggest_try(
    const hv_str_t *name, const char *known, const char **best, size_t *limit);
static size_t hv_conf_distance(const hv_str_t *a, const char *b);


/*
 * Within HV_CONF_SUGGEST_EDITS edits and fewer than half the name, so
 * that "ab" is not "corrected" to "if"; the first of equals wins.  Runs
 * only on the error path: a few hundred short comparisons.
 */
const char *
hv_conf_suggest(hv_conf_t *cf, const hv_str_t *name, const char *const *extra)
{
    const hv_module_t *const *modules;
    const hv_command_t *cmd;
    const char *const *p;
    const char *best;
    size_t limit;

    limit = hv_min(HV_CONF_SUGGEST_EDITS, name->len / 2);
    best = NULL;

    modules = (cf->modules != NULL) ? cf->modules : hv_modules;

    for (; *modules != NULL; modules++) {
        if ((*modules)->commands == NULL) {
            continue;
        }
        for (cmd = (*modules)->commands; cmd->name != NULL; cmd++) {
            hv_conf_suggest_try(name, cmd->name, &best, &limit);
        }
    }

    /* the parser's own directive, in no module's table */
    hv_conf_suggest_try(name, "include", &best, &limit);

    for (p = extra; p != NULL && *p != NULL; p++) {
        hv_conf_suggest_try(name, *p, &best, &limit);
    }

    return best;
}


/* Takes KNOWN as the best so far if it is nearer than LIMIT allows. */
static void
hv_conf_suggest_try(
    const hv_str_t *name, const char *known, const char **best, size_t *limit)
{
    size_t d;

    d = hv_conf_distance(name, known);

    /* d == 0 cannot happen for an unknown name; a tie keeps the first */
    if (d == 0 || d > *limit) {
        return;
    }

    *best = known;
    *limit = d - 1;
}


/*
 * Optimal string alignment distance: Levenshtein plus the swap of two
 * neighbours, so that "wroker" is one edit from "worker".  Three rows on
 * the stack; SIZE_MAX for a name longer than the rows or lengths too far
 * apart to be near.
 */
static size_t
hv_conf_distance(const hv_str_t *a, const char *b)
{
    size_t rows[3][HV_CONF_SUGGEST_LEN + 1];
    size_t *before, *prev, *cur, *tmp;
    size_t blen, i, j, d;

    blen = strlen(b);

    if (a->len > HV_CONF_SUGGEST_LEN || blen > HV_CONF_SUGGEST_LEN ||
        a->len + HV_CONF_SUGGEST_EDITS < blen ||
        blen + HV_CONF_SUGGEST_EDITS < a->len) {
        return SIZE_MAX;
    }

    before = rows[0];
    prev = rows[1];
    cur = rows[2];

    for (j = 0; j <= blen; j++) {
        prev[j] = j;
    }

    for (i = 1; i <= a->len; i++) {
        cur[0] = i;

        for (j = 1; j <= blen; j++) {
            d = prev[j - 1] + (a->data[i - 1] != (unsigned char) b[j - 1]);
            d = hv_min(d, prev[j] + 1);
            d = hv_min(d, cur[j - 1] + 1);

            if (i > 1 && j > 1 && a->data[i - 1] == (unsigned char) b[j - 2] &&
                a->data[i - 2] == (unsigned char) b[j - 1]) {
                d = hv_min(d, before[j - 2] + 1);
            }

            cur[j] = d;
        }

        tmp = before;
        before = prev;
        prev = cur;
        cur = tmp;
    }

    return prev[blen];
}
