// SPDX-License-Identifier: GPL-2.0-or-later
/* .simfs/control (one command per write) and .simfs/stats. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

int errno_parse(const char *s)
{
	static const struct {
		const char *name;
		int value;
	} names[] = { { "EPERM", EPERM },   { "ENOENT", ENOENT },  { "EIO", EIO },
		      { "ENXIO", ENXIO },   { "ENOMEM", ENOMEM },  { "EACCES", EACCES },
		      { "EBUSY", EBUSY },   { "EEXIST", EEXIST },  { "ENODEV", ENODEV },
		      { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC },  { "ERANGE", ERANGE },
		      { "EAGAIN", EAGAIN }, { "EINTR", EINTR },	   { "ETIMEDOUT", ETIMEDOUT },
		      { "EUSERS", EUSERS }, { "ENOTSUP", ENOTSUP } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].value;
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v < 4096 ? (int)v : -EINVAL;
}

static int parse_long(const char *s, long lo, long hi, long *ret)
{
	char *end;
	if (!s)
		return -EINVAL;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -EINVAL;
	*ret = v;
	return 0;
}

int latency_parse(const char *s, unsigned *ret_us)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	unsigned long v = strtoul(s, &end, 10);
	unsigned long scale = strcmp(end, "us") == 0 ? 1 : *end ? 0 : 1000;
	if (!scale || v > 60000000ul / scale)
		return -EINVAL;
	*ret_us = (unsigned)(v * scale);
	return 0;
}

/* One command of .simfs/control: argv[0] is its name; argc was checked
 * against the table.  0 or -errno (the write's result). */
typedef int control_fn(struct simfs *sf, int argc, char **argv);

static int ctl_modload(struct simfs *sf, int argc, char **argv)
{
	struct model *m = sf->m;
	/* the one module parameter the model knows: vfio_pci enable_sriov */
	bool sriov = false;
	if (argc == 3) {
		struct sim_module *mod = model_find_module(m, argv[1]);
		if (!mod || strcmp(mod->desc->name, "vfio_pci") != 0 ||
		    (strcmp(argv[2], "enable_sriov=1") != 0 && strcmp(argv[2], "enable_sriov=Y") != 0))
			return -EINVAL;
		sriov = true;
	}
	struct sim_module *vp = model_find_module(m, "vfio_pci");
	if (vp && !vp->loaded)
		m->vfio_enable_sriov = sriov;
	return module_load(m, argv[1], argv[0][0] == 'm');
}

static int ctl_rmmod(struct simfs *sf, int argc, char **argv)
{
	return module_unload(sf->m, argv[1]);
}

static int ctl_unplug(struct simfs *sf, int argc, char **argv)
{
	struct sim_dev *d = model_find_dev(sf->m, argv[1]);
	if (!d)
		return -ENODEV;
	int r = pci_dev_remove(d);
	if (r == 0)
		d->unplugged = true;
	return r == -SIM_EWAIT ? -EBUSY : r;
}

/* a device falls sick / recovers (pcihealth.c) */
static int ctl_health(struct simfs *sf, int argc, char **argv)
{
	struct sim_dev *d = model_find_dev(sf->m, argv[1]);
	if (!d)
		return -ENODEV;
	return argv[0][0] == 's' ? pcihealth_sick(d, argv[2]) : pcihealth_heal(d);
}

/* someone deletes /dev/vfio/N (devtmpfs lets root): no uevent; the node
 * comes back when the group next goes to VFIO */
static int ctl_rm_vfio_node(struct simfs *sf, int argc, char **argv)
{
	struct model *m = sf->m;
	long n;
	if (parse_long(argv[1], 0, 1000000, &n) < 0)
		return -EINVAL;
	for (int i = 0; i < m->ngroups; i++)
		if (m->groups[i]->id == n && m->groups[i]->devnode) {
			if (m->groups[i]->devnode->nopen > 0)
				return -EBUSY; /* the model keeps open nodes */
			tree_remove(m->groups[i]->devnode);
			m->groups[i]->devnode = NULL;
			return 0;
		}
	return -ENOENT;
}

/* a CUDA process opening or closing /dev/nvidiaN */
static int ctl_nvidia_open(struct simfs *sf, int argc, char **argv)
{
	struct sim_dev *d = model_find_dev(sf->m, argv[1]);
	if (!d)
		return -ENODEV;
	return argv[0][7] == 'o' ? nvidia_open(d) : nvidia_close(d);
}

/* what NVML does on a GPU (tests/fakenvml): the device first, then the
 * command's own arguments */
static int ctl_mig(struct simfs *sf, int argc, char **argv)
{
	const char *c = argv[0];
	struct sim_dev *d = argc >= 2 ? model_find_dev(sf->m, argv[1]) : NULL;
	long a = 0, b = 0;
	if (!d)
		return argc >= 2 ? -ENODEV : -EINVAL;
	if (strcmp(c, "gpu-reset") == 0 && argc == 2)
		return mig_gpu_reset(d);
	if (strcmp(c, "mig-mode") == 0 && argc == 3 && parse_long(argv[2], 0, 1, &a) == 0)
		return mig_set_mode(d, a == 1);
	if (strcmp(c, "mig-gi-create") == 0 && argc == 4 && parse_long(argv[2], 0, 63, &a) == 0 &&
	    parse_long(argv[3], 0, 7, &b) == 0)
		return mig_gi_create(d, (unsigned)a, (unsigned)b);
	if (strcmp(c, "mig-gi-destroy") == 0 && argc == 3 && parse_long(argv[2], 1, 1000, &a) == 0)
		return mig_gi_destroy(d, (unsigned)a);
	return -EINVAL;
}

static int ctl_fail(struct simfs *sf, int argc, char **argv)
{
	int err = errno_parse(argv[2]);
	long count = 1;
	if (err < 0 || (argc == 4 && parse_long(argv[3], 0, 1000000, &count) < 0))
		return -EINVAL;
	struct fault *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	const char *p = argv[1];
	while (*p == '/')
		p++;
	snprintf(f->path, sizeof(f->path), "%s", p);
	f->err = err;
	f->count = count;
	f->next = sf->faults;
	sf->faults = f;
	return 0;
}

static int ctl_fail_nth(struct simfs *sf, int argc, char **argv)
{
	long n;
	int err = errno_parse(argv[2]);
	if (err < 0 || parse_long(argv[1], 1, 1000000, &n) < 0)
		return -EINVAL;
	sf->fail_nth = n;
	sf->fail_nth_err = err;
	return 0;
}

static int ctl_stall_nth(struct simfs *sf, int argc, char **argv)
{
	long n;
	if (parse_long(argv[1], 1, 1000000, &n) < 0)
		return -EINVAL;
	sf->stall_nth = n;
	return 0;
}

static int ctl_release(struct simfs *sf, int argc, char **argv)
{
	sf->stall_nth = 0;
	sf->fail_nth = 0;
	sf->release_gen++;
	return 0;
}

static int ctl_latency(struct simfs *sf, int argc, char **argv)
{
	return latency_parse(argv[1], &sf->latency_us);
}

/* The commands (simfs/README.md documents them): name, the argument count
 * (name included), what runs.  A name with another count is -EINVAL. */
static const struct {
	const char *name;
	int argc_min, argc_max;
	control_fn *run;
} control_cmds[] = {
	{ "insmod", 2, 3, ctl_modload },	    /* MODULE [enable_sriov=1] */
	{ "modprobe", 2, 3, ctl_modload },	    /* MODULE [enable_sriov=1], with dependencies */
	{ "rmmod", 2, 2, ctl_rmmod },		    /* MODULE */
	{ "unplug", 2, 2, ctl_unplug },		    /* BDF */
	{ "sick", 3, 3, ctl_health },		    /* BDF HOW */
	{ "heal", 2, 2, ctl_health },		    /* BDF */
	{ "rm-vfio-node", 2, 2, ctl_rm_vfio_node }, /* GROUP */
	{ "nvidia-open", 2, 2, ctl_nvidia_open },   /* BDF */
	{ "nvidia-close", 2, 2, ctl_nvidia_open },  /* BDF */
	{ "gpu-reset", 1, 5, ctl_mig },		    /* BDF */
	{ "mig-mode", 1, 5, ctl_mig },		    /* BDF 0|1 */
	{ "mig-gi-create", 1, 5, ctl_mig },	    /* BDF PROFILE START */
	{ "mig-gi-destroy", 1, 5, ctl_mig },	    /* BDF GI */
	{ "fail", 3, 4, ctl_fail },		    /* PATH ERRNO [COUNT] */
	{ "fail-nth", 3, 3, ctl_fail_nth },	    /* N ERRNO */
	{ "stall-nth", 2, 2, ctl_stall_nth },	    /* N */
	{ "release", 1, 1, ctl_release },
	{ "latency", 2, 2, ctl_latency }, /* MS or USus */
};

int control_exec(struct simfs *sf, const char *cmd, size_t len)
{
	char line[512], *argv[5] = { 0 };
	int argc = 0;
	if (len >= sizeof(line))
		return -EINVAL;
	memcpy(line, cmd, len);
	line[len] = '\0';
	for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (argc == 5)
			return -E2BIG;
		argv[argc++] = t;
	}
	if (argc == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (strcmp(argv[0], control_cmds[i].name) == 0 && argc >= control_cmds[i].argc_min &&
		    argc <= control_cmds[i].argc_max)
			return control_cmds[i].run(sf, argc, argv);
	return -EINVAL;
}

static ssize_t control_store(struct node *node, const char *buf, size_t len, const struct attr_io *io)
{
	int r = control_exec(node->obj, buf, len);
	return r < 0 ? r : (ssize_t)len;
}

static ssize_t stats_show(struct node *node, char *buf, size_t cap, const struct attr_io *io)
{
	struct simfs *sf = node->obj;
	const struct sim_stats *s = &sf->m->stats;
	return snprintf(
	    buf, cap,
	    "reads %lu\nwrites %lu\nbinds %lu\nunbinds %lu\ncreates %lu\nremoves %lu\nstalled %u\n"
	    "injected %lu\nblocked %u\ncfg_waits %lu\n",
	    s->reads, s->writes, s->binds, s->unbinds, s->creates, s->removes, sf->stalled, sf->injected,
	    sf->blocked, sf->cfg_waits);
}

static const struct attr_ops control_ops = { .store = control_store };
static const struct attr_ops stats_ops = { .show = stats_show };

int control_init(struct simfs *sf)
{
	struct node *dir = tree_mkdir_p(sf->m->root, ".simfs");
	if (!dir || !tree_add_attr(dir, "control", 0200, &control_ops, sf, 0) ||
	    !tree_add_attr(dir, "stats", 0444, &stats_ops, sf, 0))
		return -ENOMEM;
	return mig_init(sf->m);
}
