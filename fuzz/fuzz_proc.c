/* fuzz_proc.c: libFuzzer target for the /proc parsers (src/monitor/proc.c).
 *
 * The input is a file's contents as the kernel would hand them over:
 * every parser (stat, status, io, schedstat, /proc/stat) and the wchan
 * classifier reads it.  The text of /proc is the kernel's, but a comm
 * field holds whatever a program named itself (prctl, writes to
 * /proc/self/comm), so these parsers meet hostile text in practice.
 *
 * Beyond the sanitizers' checks: a parser returns 0 or -EINVAL, and what
 * it accepts is sane (a NUL-terminated comm, a state that is a character
 * of the line, a ppid that is not negative).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/monitor/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the readers hand the parsers a NUL-terminated copy of the file */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    proc_stat st;
    int rc = proc_parse_stat(text, &st);
    if (rc != 0 && rc != -EINVAL)
        abort();
    if (rc == 0 && (memchr(st.comm, '\0', sizeof st.comm) == NULL ||
                    st.ppid < 0 || st.pid < 0 || st.state == '\0' ||
                    !strchr(text, st.state)))
        abort();

    proc_status ps;
    rc = proc_parse_status(text, &ps);
    if (rc != 0 && rc != -EINVAL)
        abort();

    proc_io io;
    rc = proc_parse_io(text, &io);
    if (rc != 0 && rc != -EINVAL)
        abort();

    proc_schedstat sc;
    rc = proc_parse_schedstat(text, &sc);
    if (rc != 0 && rc != -EINVAL)
        abort();

    proc_cpu cpu;
    rc = proc_parse_cpu(text, &cpu);
    if (rc != 0 && rc != -EINVAL)
        abort();

    proc_wait w = proc_wait_class(text);
    if (w < WAIT_OTHER || w > WAIT_CHILD)
        abort();
    free(text);
    return 0;
}
