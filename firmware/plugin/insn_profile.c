/* A QEMU TCG plugin that counts, per guest instruction address, the instructions executed between
   two addresses (`start` and `stop`, the first instructions of the firmware's marker functions),
   summed over every start..stop, and writes `ADDRESS COUNT` lines (hexadecimal address) to
   `out` when QEMU exits. scripts/firmware_profile.sh sums them by function.
   Build: gcc -shared -fPIC -O2 -o insn_profile.so insn_profile.c */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* Thumb instructions are 2-byte aligned: one slot per halfword of the first 8 MiB. */
#define SLOTS (1u << 22)

static uint64_t *executed, *at_start, *total;
static uint64_t start_addr, stop_addr;
static const char *out_path = "profile.txt";

static void on_start(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    memcpy(at_start, executed, SLOTS * sizeof *executed);
}

static void on_stop(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    for (size_t i = 0; i < SLOTS; i++) {
        total[i] += executed[i] - at_start[i];
    }
}

static void write_profile(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    FILE *f = fopen(out_path, "w");
    if (f == NULL) {
        fprintf(stderr, "insn_profile: cannot write %s\n", out_path);
        return;
    }
    for (size_t i = 0; i < SLOTS; i++) {
        if (total[i] != 0) {
            fprintf(f, "%zx %" PRIu64 "\n", i * 2, total[i]);
        }
    }
    fclose(f);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == start_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        if (pc == stop_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        if (pc / 2 < SLOTS) {
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &executed[pc / 2], 1);
        }
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
        } else if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = argv[i] + 4;
        } else {
            fprintf(stderr, "insn_profile: unknown argument %s (expected start=, stop=, out=)\n",
                    argv[i]);
            return -1;
        }
    }
    if (start_addr == 0 || stop_addr == 0) {
        fprintf(stderr, "insn_profile: start=ADDR and stop=ADDR are required\n");
        return -1;
    }
    executed = calloc(SLOTS, sizeof *executed);
    at_start = calloc(SLOTS, sizeof *at_start);
    total = calloc(SLOTS, sizeof *total);
    if (executed == NULL || at_start == NULL || total == NULL) {
        fprintf(stderr, "insn_profile: out of memory\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_profile, NULL);
    return 0;
}
