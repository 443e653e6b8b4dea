/* A QEMU TCG plugin that counts the guest instructions executed between two addresses:
   `start` and `stop` (hexadecimal, the first instructions of the firmware's marker functions).
   Each time `stop` runs it prints `insns N`, the instructions executed since `start` last ran,
   markers' own included. Build: gcc -shared -fPIC -O2 -o insn_count.so insn_count.c */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t executed;
static uint64_t started;
static uint64_t start_addr, stop_addr;

static void on_start(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    started = executed;
}

static void on_stop(unsigned int vcpu, void *udata)
{
    char line[64];
    (void)vcpu;
    (void)udata;
    snprintf(line, sizeof line, "insns %" PRIu64 "\n", executed - started);
    qemu_plugin_outs(line);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        /* The callbacks run before the instruction's own count is added. */
        if (pc == start_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        if (pc == stop_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "start=", 6) == 0) {
            start_addr = strtoull(argv[i] + 6, NULL, 16) & ~1ULL;
        } else if (strncmp(argv[i], "stop=", 5) == 0) {
            stop_addr = strtoull(argv[i] + 5, NULL, 16) & ~1ULL;
        } else {
            fprintf(stderr, "insn_count: unknown argument %s (expected start=ADDR, stop=ADDR)\n",
                    argv[i]);
            return -1;
        }
    }
    if (start_addr == 0 || stop_addr == 0) {
        fprintf(stderr, "insn_count: start=ADDR and stop=ADDR are required\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
