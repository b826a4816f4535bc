/* label.c: function names (see label.h). */
#include "label.h"

#include <string.h>

const char *label_short_file(const char *file)
{
    const char *last = strrchr(file, '/');
    if (!last)
        return file;
    const char *p = last;
    while (p > file && p[-1] != '/')
        p--;
    if (p == file)
        return file; /* "dir/file" or "/file": already short */
    return p;
}

int label_frame(buf *out, const profile_func *f)
{
    if (f->kind == FUNC_BUILTIN)
        return buf_addstr(out, f->name);
    return buf_printf(out, "%s (%s:%u)", f->name, label_short_file(f->file),
                      f->line);
}

int label_pstats(buf *out, const profile_func *f)
{
    if (f->kind == FUNC_BUILTIN) {
        size_t n = strlen(f->name);
        if (n >= 2 && f->name[0] == '<' && f->name[n - 1] == '>')
            return buf_printf(out, "{%.*s}", (int)(n - 2), f->name + 1);
        return buf_addstr(out, f->name);
    }
    return buf_printf(out, "%s:%u(%s)", f->file, f->line, f->name);
}
