/* export_folded.c: folded stacks ("a;b;c 1234"), the input of
 * flamegraph.pl, inferno and speedscope.
 *
 * One line per call path (CCT node) whose self time is positive: the
 * frames from the outermost call to the node, joined by ';', a space, and
 * the path's self time in nanoseconds.  The lines of a thread add up to
 * its total time.  With more than one thread, each path starts with the
 * thread's name, so the threads stay apart in the picture.  A ';' in a
 * name would split a frame: it is written as ','; control characters as
 * spaces. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "escape.h"
#include "export.h"
#include "frames.h"
#include "tree.h"

static int fold_thread(const profile *p, const profile_thread *t,
                       const frames *fr, buf *path, size_t *end, buf *out)
{
    tree_kids k;
    int rc = tree_kids_build(t, &k);
    if (rc < 0)
        goto done;
    buf_reset(path);
    if (p->n_threads > 1 &&
        ((rc = esc_line(path, t->name[0] ? t->name : "thread", ";", ',')) <
             0 ||
         (rc = buf_add(path, ";", 1)) < 0))
        goto done;
    end[0] = path->len;
    uint32_t sp = 0;
    for (uint32_t c = k.first[0]; c != TREE_NONE; c = k.next[c])
        k.stack[sp++] = c;
    while (sp) {
        uint32_t i = k.stack[--sp];
        const cct_node *n = &t->nodes[i];
        path->len = end[n->parent]; /* drop the previous sibling's frames */
        if ((rc = buf_addstr(path, frames_name(fr, n->func))) < 0)
            goto done;
        end[i] = path->len;
        int64_t ns = export_ns(p, n->self);
        if (ns > 0 && ((rc = buf_add(out, path->data, path->len)) < 0 ||
                       (rc = buf_printf(out, " %" PRId64 "\n", ns)) < 0))
            goto done;
        if ((rc = buf_add(path, ";", 1)) < 0)
            goto done;
        end[i] = path->len;
        for (uint32_t c = k.first[i]; c != TREE_NONE; c = k.next[c])
            k.stack[sp++] = c;
    }
done:
    tree_kids_free(&k);
    return rc;
}

int export_folded(const profile *p, buf *out)
{
    if (profile_validate(p) < 0)
        return -EINVAL;
    frames fr;
    buf path;
    buf_init(&path, out->cap);
    int rc = frames_build(&fr, p, FRAMES_FOLDED);
    size_t *end = NULL;
    for (uint32_t t = 0; rc == 0 && t < p->n_threads; t++) {
        size_t *e = realloc(end, ((size_t)p->threads[t].n_nodes + 1) *
                                     sizeof *end);
        if (!e) {
            rc = -ENOMEM;
            break;
        }
        end = e;
        rc = fold_thread(p, &p->threads[t], &fr, &path, end, out);
    }
    free(end);
    buf_free(&path);
    frames_free(&fr);
    return rc;
}
