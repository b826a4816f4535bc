/* outputs.c: where the commands write, checked before any work and told in
 * one line: what an existing output may be replaced by (only a file of the
 * kind being written, or an empty one), "-" for standard output, and the
 * check of standard output at exit. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../core/outfile.h"
#include "../core/paths.h"
#include "../core/pstats.h"
#include "../core/store.h"
#include "cli.h"

/* The first bytes of the file at path into head (NUL-terminated); the
 * count, or -1 if it cannot be read. */
static long head_of(const char *path, char *head, size_t cap)
{
    long n = path_read_head(path, head, cap - 1);
    head[n > 0 ? n : 0] = '\0';
    return n;
}

static int starts(const char *path, const char *const *prefixes)
{
    char head[64];
    if (head_of(path, head, sizeof head) < 0)
        return -1;
    const char *h = head;
    while (isspace((unsigned char)*h))
        h++;
    for (; *prefixes; prefixes++)
        if (!strncasecmp(h, *prefixes, strlen(*prefixes)))
            return 1;
    return 0;
}

static int sniff_html(const char *path)
{
    static const char *const p[] = {"<!DOCTYPE html", "<html", NULL};
    return starts(path, p);
}

static int sniff_svg(const char *path)
{
    static const char *const p[] = {"<?xml", "<svg", "<!DOCTYPE svg", NULL};
    return starts(path, p);
}

static int sniff_png(const char *path)
{
    static const char *const p[] = {"\x89PNG", NULL};
    return starts(path, p);
}

static int sniff_dot(const char *path)
{
    static const char *const p[] = {"digraph", "strict", "graph", "/*",
                                    "//", NULL};
    return starts(path, p);
}

static int sniff_json(const char *path)
{
    static const char *const p[] = {"{", "[", NULL};
    return starts(path, p);
}

static int sniff_gzip(const char *path)
{
    static const char *const p[] = {"\x1f\x8b", NULL};
    return starts(path, p);
}

static int sniff_callgrind(const char *path)
{
    static const char *const p[] = {"# callgrind format", "version:",
                                    "creator:", "events:", "cmd:", NULL};
    return starts(path, p);
}

/* folded stacks: every whole line in the first 4 KiB is "stack count" */
static int sniff_folded(const char *path)
{
    char head[4097];
    long n = head_of(path, head, sizeof head);
    if (n < 0)
        return -1;
    int lines = 0;
    for (char *line = head, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        char *sp = nl;
        while (sp > line && isdigit((unsigned char)sp[-1]))
            sp--;
        if (sp == nl || sp == line || sp[-1] != ' ')
            return 0;
        lines++;
    }
    return lines > 0 || n == 0;
}

/* Each kind of output: how an existing file of that kind is recognised,
 * and what to call it in a message. */
static const struct {
    const char *kind;
    const char *noun;
    path_sniff_fn sniff;
} kinds[] = {
    {"lento profile", "a lento profile", store_sniff},
    {"pstats", "a pstats file", pstats_sniff},
    {"html", "an HTML file", sniff_html},
    {"svg", "an SVG file", sniff_svg},
    {"png", "a PNG image", sniff_png},
    {"dot", "a Graphviz file", sniff_dot},
    {"json", "a JSON file", sniff_json},
    {"speedscope", "a JSON file", sniff_json},
    {"chrome", "a JSON file", sniff_json},
    {"pprof", "a gzip file", sniff_gzip},
    {"callgrind", "a callgrind file", sniff_callgrind},
    {"folded", "a folded-stacks file", sniff_folded},
};

static int kind_index(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].kind, kind))
            return (int)i;
    return -1;
}

path_sniff_fn cli_sniff_for(const char *kind)
{
    int k = kind_index(kind);
    return k < 0 ? NULL : kinds[k].sniff;
}

const char *cli_out_name(const char *out)
{
    return outfile_is_stdout(out) ? "standard output" : out;
}

int cli_check_output(const char *out, const char *in, const char *kind)
{
    char dir[PATH_MAX];
    int rc = path_check_output(out, kind ? cli_sniff_for(kind) : NULL, dir,
                               sizeof dir);
    path_say_refusal(stderr, rc, out, dir, kinds[kind_index(kind)].noun,
                     "choose another name");
    if (rc < 0)
        return -1;
    if (in && path_same_file(out, in)) {
        fprintf(stderr, "lento: '%s' is the profile being read; not "
                        "overwriting it (choose another -o)\n", out);
        return -1;
    }
    return 0;
}

int cli_write(const buf *b, const char *out)
{
    /* what this process printed before goes first */
    if (outfile_is_stdout(out) && fflush(stdout) != 0) {
        fprintf(stderr, "lento: cannot write standard output: %s\n",
                strerror(errno));
        return -1;
    }
    int rc = outfile_write(b, out);
    if (rc < 0) {
        fprintf(stderr, "lento: cannot write %s%s%s: %s\n",
                outfile_is_stdout(out) ? "" : "'", cli_out_name(out),
                outfile_is_stdout(out) ? "" : "'", strerror(-rc));
        return -1;
    }
    return 0;
}

/* The reason standard output first failed, noted where it happened
 * (written by the main thread only; the command has no other). */
static int stdout_errno;

void cli_stdout_failed(int err)
{
    if (!stdout_errno)
        stdout_errno = err > 0 ? err : EIO;
}

int cli_stdout_status(int status)
{
    /* fflush names the error (glibc keeps unwritten bytes and tries them
     * again); ferror catches one an earlier write met and nothing retried,
     * whose reason is gone by now */
    errno = 0;
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!err && (ferror(stdout) || stdout_errno))
        err = stdout_errno ? stdout_errno : EIO;
    if (!err)
        return status;
    fprintf(stderr, "lento: cannot write standard output: %s\n",
            strerror(err));
    return status ? status : 1;
}
