/* bcode.h: a CPython 3.11 code object's bytecode, rewritten with line
 * probes (the fast path of line timing, see lines.h).
 *
 * Why: 3.11 produces line events only on its tracing path, which handles
 * every instruction of a traced frame slowly and turns off the specialised
 * instructions; on a loop of short lines that alone costs about a third of
 * what line_profiler costs.  A twin of a selected code object whose
 * bytecode announces each line itself runs at full speed between lines.
 *
 * A probe is three instructions, LOAD_CONST k; UNARY_POSITIVE; POP_TOP,
 * where constant k is an object whose nb_positive records the line.  The
 * probes are placed to reproduce exactly the LINE events the tracing path
 * would give the original code (maybe_call_line_trace in Python/ceval.c):
 * an event fires on the way from instruction P to instruction J when J's
 * line differs from P's, or the way goes backwards (and J is not SEND).
 * Whether it fires is known from P and J alone, and P is known for every
 * way into J except generator entry and exceptions: falling through from
 * the instruction before, a jump, or an exception raised in P caught by a
 * handler at J (the exception table says which P).  So each way gets its
 * own target: jumps and handler entries that fire land on the probe, the
 * others just after it, and a fall-through that must not fire jumps over
 * it.
 *
 * Everything else stays: the instructions, their inline caches and
 * positions, the exception table (split where the way into a handler
 * decides; a probe and its skip count in the range of the instruction
 * before them, since an exception raised by the eval breaker of a
 * backward jump is looked up at the unit before the jump's landing), and the stack size unless the caller allows one more slot: a
 * probe needs one free stack slot, and a line that begins at full stack
 * depth (the line of a call whose arguments span lines) has none.
 *
 * Pure C on byte arrays, no Python.h: the opcode numbers, cache sizes and
 * stack effects come from the interpreter through bc_ops. */
#ifndef LENTO_BCODE_H
#define LENTO_BCODE_H

#include <stddef.h>
#include <stdint.h>

enum { BC_NO_JUMP = 0, BC_FORWARD = 1, BC_BACKWARD = 2 };

typedef struct {
    uint8_t caches[256]; /* inline cache units after each opcode */
    uint8_t jump[256];   /* BC_FORWARD / BC_BACKWARD relative jumps */
    uint8_t noflow[256]; /* never goes on to the next instruction */
    uint8_t breaker[256]; /* a backward jump that checks the eval breaker
                             after jumping (signals, async exceptions) */
    int have_argument;
    int extended_arg, resume, send, precall, call, kw_names, reraise;
    int return_generator; /* resumed with the sent value pushed */
    int load_const, unary_positive, pop_top, jump_forward;
    /* The stack effect of op with arg, for the jump taken (1) or not (0);
     * any value above 1000 means unknown. */
    int (*stack_effect)(int op, int arg, int jump);
} bc_ops;

typedef struct {
    const uint8_t *code;   /* co_code, unspecialised: 2 bytes per unit */
    size_t code_len;
    const uint8_t *lines;  /* co_linetable */
    size_t lines_len;
    const uint8_t *excs;   /* co_exceptiontable */
    size_t excs_len;
    int firstlineno;
    int stacksize;
    int extra_stack;       /* slots the twin may add to stacksize */
    int n_consts;          /* the probes' constants follow the code's */
} bc_code;

/* The rewritten code; its buffers are the caller's after bc_instrument
 * (bc_twin_free). */
typedef struct {
    uint8_t *code;
    size_t code_len;
    uint8_t *lines;
    size_t lines_len;
    uint8_t *excs;
    size_t excs_len;
    int *probe_lines; /* constant n_consts + k announces probe_lines[k] */
    int n_probes;
    int stacksize;    /* the code's, or one more for a probe */
} bc_twin;

/* Rewrites in into *out.  0; -EINVAL if the code is not in a form handled
 * here (out is then empty and the caller keeps the tracing path); or
 * -ENOMEM. */
int bc_instrument(const bc_ops *ops, const bc_code *in, bc_twin *out);

void bc_twin_free(bc_twin *t);

#endif
