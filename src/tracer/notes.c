/* notes.c: notes a profile carries (see notes.h). */
#include "notes.h"

#include <errno.h>
#include <stdio.h>

notes_counts notes_now;

/* n with a comma every three digits, as the reports print counts. */
static void with_commas(char *out, size_t size, uint64_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < size; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < size)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* The deep-recursion note, in out (cut to size); 0 if there is none. */
static size_t deep_note(const notes_counts *mark, char *out, size_t size)
{
    uint64_t moves = notes_now.deep_moves - mark->deep_moves;
    uint64_t failed = notes_now.deep_failed - mark->deep_failed;
    if (!moves && !failed)
        return 0;
    char depth[32], count[32];
    with_commas(depth, sizeof depth, notes_now.deep_depth);
    with_commas(count, sizeof count, failed ? failed : moves);
    int n;
    if (failed)
        n = snprintf(out, size,
                     "recursion deeper than %s frames: no memory was left "
                     "for more C stack, so what %s such frames called ran "
                     "unrecorded (a gap in the profile) rather than "
                     "overflow the stack", depth, count);
    else
        n = snprintf(out, size,
                     "recursion deeper than %s frames: the deeper frames "
                     "ran on %s extra C stack segments (3.11's frame hook "
                     "keeps every Python call on the C stack, about 0.5 KiB "
                     "a frame); nothing is missing", depth, count);
    return n < 0 ? 0 : (size_t)n;
}

/* The note for profile hooks the program took over, in out; 0 if none. */
static size_t hook_note(const notes_counts *mark, char *out, size_t size)
{
    uint64_t taken = notes_now.hooks_taken - mark->hooks_taken;
    if (!taken)
        return 0;
    int n = snprintf(out, size,
                     "the program set a profile function of its own "
                     "(sys.setprofile, its own cProfile) in %llu thread%s: "
                     "lento's recording of %s stopped there (CPython 3.11 "
                     "has one profile function per thread)",
                     (unsigned long long)taken, taken == 1 ? "" : "s",
                     taken == 1 ? "that thread" : "those threads");
    return n < 0 ? 0 : (size_t)n;
}

int notes_add(profile *p, const notes_counts *mark)
{
    char text[512];
    if (deep_note(mark, text, sizeof text) &&
        profile_set_meta(p, "note.deep_recursion", text) < 0)
        return -ENOMEM;
    if (hook_note(mark, text, sizeof text) &&
        profile_set_meta(p, "note.profile_hook", text) < 0)
        return -ENOMEM;
    return 0;
}

size_t notes_text(const notes_counts *mark, char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    char text[512];
    if (!deep_note(mark, text, sizeof text))
        return 0;
    int n = snprintf(buf, size, "lento: note: %s", text);
    return n < 0 ? 0 : (size_t)n;
}
