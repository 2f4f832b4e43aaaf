// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Chassis files: creating, mapping, opening and removing them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_internal.h"

/* The runtime layout (enum pcinet_sim_file): each name, written once */
static const struct {
	const char *name;	/* NULL: the slot directory itself */
	bool per_slot;
} sim_files[PCINET_SIM_FILES] = {
	[PCINET_SIM_FILE_CONF]		  = { "chassis.conf", false },
	[PCINET_SIM_FILE_HOST_MEM]	  = { "host-mem", false },
	[PCINET_SIM_FILE_SUPERVISOR_FIFO] = { "supervisor.fifo", false },
	[PCINET_SIM_FILE_PCINETD_SOCK]	  = { "pcinetd.sock", false },
	[PCINET_SIM_FILE_PCINETD_LOCK]	  = { "pcinetd.lock", false },
	[PCINET_SIM_FILE_SLOT_DIR]	  = { NULL, true },
	[PCINET_SIM_FILE_IMMR]		  = { "immr", true },
	[PCINET_SIM_FILE_RAM]		  = { "ram", true },
	[PCINET_SIM_FILE_STATE]		  = { "state", true },
	[PCINET_SIM_FILE_IRQ_HOST]	  = { "irq-host", true },
	[PCINET_SIM_FILE_IRQ_BOARD]	  = { "irq-board", true },
	[PCINET_SIM_FILE_CONSOLE]	  = { "console", true },
};

/* What a slot is made of, and the console link a host daemon may leave */
static const enum pcinet_sim_file slot_files[] = {
	PCINET_SIM_FILE_IMMR, PCINET_SIM_FILE_RAM, PCINET_SIM_FILE_STATE,
	PCINET_SIM_FILE_IRQ_HOST, PCINET_SIM_FILE_IRQ_BOARD,
	PCINET_SIM_FILE_CONSOLE
};

void pcinet_sim_config_default(struct pcinet_sim_config *cfg)
{
	cfg->slots = PCINET_SIM_DEFAULT_SLOTS;
	cfg->ram_base = PCINET_SIM_DEFAULT_RAM_BASE;
	cfg->ram_size = PCINET_SIM_DEFAULT_RAM_SIZE;
	cfg->host_mem_bus = PCINET_SIM_DEFAULT_HOST_BUS;
	cfg->host_mem_size = PCINET_SIM_DEFAULT_HOST_SIZE;
}

static int config_check(const struct pcinet_sim_config *c)
{
	if (c->slots < 1 || c->slots > PCINET_SIM_MAX_SLOTS)
		return -EINVAL;
	if (c->ram_size < 0x10000 || (c->ram_size & (c->ram_size - 1)))
		return -EINVAL;
	if (c->ram_base & (c->ram_size - 1))
		return -EINVAL;	/* inbound windows are naturally aligned */
	if ((uint64_t)c->ram_base + c->ram_size > M83XX_IMMR_USUAL_BASE)
		return -EINVAL;
	if (!c->host_mem_size || (c->host_mem_size & 0xFFF) ||
	    (c->host_mem_bus & 0xFFF) ||
	    c->host_mem_bus + c->host_mem_size > 0x100000000ull)
		return -EINVAL;	/* a 32-bit PCI bus */
	return 0;
}

int pcinet_sim_path(const char *dir, unsigned int slot,
		    enum pcinet_sim_file file, char *out, size_t len)
{
	const char *name;
	int n;

	if (len)
		out[0] = '\0';
	if ((unsigned int)file >= PCINET_SIM_FILES)
		return -EINVAL;
	name = sim_files[file].name;
	if (!sim_files[file].per_slot)
		n = slot ? -1 : snprintf(out, len, "%s/%s", dir, name);
	else if (slot < 1 || slot > PCINET_SIM_MAX_SLOTS)
		n = -1;
	else if (name)
		n = snprintf(out, len, "%s/slot%02u/%s", dir, slot, name);
	else
		n = snprintf(out, len, "%s/slot%02u", dir, slot);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int sim_map_file(const char *path, size_t size, bool create, void **out)
{
	int fd, err = 0;
	struct stat sb;
	void *p;

	fd = open(path, create ? (O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC) :
				 (O_RDWR | O_CLOEXEC), 0600);
	if (fd < 0)
		return -errno;
	if (create && ftruncate(fd, (off_t)size) < 0)
		err = -errno;
	if (!err && fstat(fd, &sb) < 0)
		err = -errno;
	if (!err && (size_t)sb.st_size != size)
		err = -EINVAL;	/* not the file this chassis made */
	if (err) {
		close(fd);
		return err;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	*out = p;
	return 0;
}

static int write_config(const char *dir, const struct pcinet_sim_config *c,
			const char *host_mem_path)
{
	char path[SIM_PATH_MAX];
	FILE *f;
	int err;

	err = pcinet_sim_path(dir, 0, PCINET_SIM_FILE_CONF, path, sizeof(path));
	if (err)
		return err;
	f = fopen(path, "wx");
	if (!f)
		return -errno;
	fprintf(f, "# PCINet simulated chassis, made by libpcinetsim\n");
	fprintf(f, "version 1\nslots %u\nram_base 0x%08" PRIx32 "\n",
		c->slots, c->ram_base);
	fprintf(f, "ram_size 0x%08" PRIx32 "\nhost_mem_bus 0x%08" PRIx64 "\n",
		c->ram_size, c->host_mem_bus);
	fprintf(f, "host_mem_size 0x%08" PRIx64 "\n", c->host_mem_size);
	if (host_mem_path)
		fprintf(f, "host_mem_path %s\n", host_mem_path);
	return fclose(f) ? -errno : 0;
}

static int read_config(const char *dir, struct pcinet_sim_config *c,
		       char *host_mem_path)
{
	char path[SIM_PATH_MAX], key[32], line[SIM_PATH_MAX + 64];
	unsigned long long val;
	unsigned int seen = 0;
	FILE *f;
	int err;

	err = pcinet_sim_path(dir, 0, PCINET_SIM_FILE_CONF, path, sizeof(path));
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	host_mem_path[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "host_mem_path ", 14)) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 14) >= SIM_PATH_MAX) {
				fclose(f);
				return -ENAMETOOLONG;
			}
			memcpy(host_mem_path, line + 14, strlen(line + 14) + 1);
			continue;
		}
		if (sscanf(line, "%31s %lli", key, (long long *)&val) != 2)
			continue;
		if (!strcmp(key, "slots")) {
			c->slots = (uint32_t)val;
			seen |= 1;
		} else if (!strcmp(key, "ram_base")) {
			c->ram_base = (uint32_t)val;
			seen |= 2;
		} else if (!strcmp(key, "ram_size")) {
			c->ram_size = (uint32_t)val;
			seen |= 4;
		} else if (!strcmp(key, "host_mem_bus")) {
			c->host_mem_bus = val;
			seen |= 8;
		} else if (!strcmp(key, "host_mem_size")) {
			c->host_mem_size = val;
			seen |= 16;
		}
	}
	fclose(f);
	if (seen != 31)
		return -EINVAL;
	return config_check(c);
}

static int make_fifo(const char *path)
{
	return mkfifo(path, 0600) < 0 ? -errno : 0;
}

static int init_state(const char *path)
{
	struct sim_state *st;
	void *p;
	int err;

	err = sim_map_file(path, sizeof(*st), true, &p);
	if (err)
		return err;
	st = p;
	memset(st, 0, sizeof(*st));
	err = sim_lock_init(st);
	if (!err) {
		st->version = SIM_STATE_VERSION;
		__atomic_store_n(&st->magic, SIM_STATE_MAGIC, __ATOMIC_RELEASE);
	}
	munmap(p, sizeof(*st));
	return err;
}

static int create_slot(const char *dir, unsigned int slot,
		       const struct pcinet_sim_config *c)
{
	char path[SIM_PATH_MAX];
	void *p;
	int err;

	err = pcinet_sim_path(dir, slot, PCINET_SIM_FILE_SLOT_DIR,
			      path, sizeof(path));
	if (err)
		return err;
	if (mkdir(path, 0700) < 0)
		return -errno;
	err = pcinet_sim_path(dir, slot, PCINET_SIM_FILE_IMMR,
			      path, sizeof(path));
	if (!err)
		err = sim_map_file(path, M83XX_IMMR_SIZE, true, &p);
	if (err)
		return err;
	munmap(p, M83XX_IMMR_SIZE);	/* zero-filled: reset values below */
	err = pcinet_sim_path(dir, slot, PCINET_SIM_FILE_RAM,
			      path, sizeof(path));
	if (!err)
		err = sim_map_file(path, c->ram_size, true, &p);
	if (err)
		return err;
	munmap(p, c->ram_size);
	err = pcinet_sim_path(dir, slot, PCINET_SIM_FILE_STATE,
			      path, sizeof(path));
	if (!err)
		err = init_state(path);
	if (!err)
		err = pcinet_sim_path(dir, slot, PCINET_SIM_FILE_IRQ_HOST,
				      path, sizeof(path));
	if (!err)
		err = make_fifo(path);
	if (!err)
		err = pcinet_sim_path(dir, slot, PCINET_SIM_FILE_IRQ_BOARD,
				      path, sizeof(path));
	if (!err)
		err = make_fifo(path);
	return err;
}

/*
 * Host memory that is not the chassis' own file (someone else's memory, e.g.
 * a user-mode Linux kernel's physical memory through /proc/PID/fd/N): it
 * must exist and hold at least size bytes; it is never created, truncated
 * or removed here.
 */
static int map_external(const char *path, uint64_t size, void **out)
{
	struct stat sb;
	int fd, err = 0;
	void *p;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0)
		err = -errno;
	else if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < size)
		err = -EINVAL;
	if (err) {
		close(fd);
		return err;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (!err)
		*out = p;
	return err;
}

static int map_host_mem(const char *dir, const char *external, uint64_t size,
			bool create, void **out)
{
	char path[SIM_PATH_MAX];
	int err;

	if (external && external[0])
		return map_external(external, size, out);
	err = pcinet_sim_path(dir, 0, PCINET_SIM_FILE_HOST_MEM,
			      path, sizeof(path));
	return err ? err : sim_map_file(path, size, create, out);
}

int pcinet_sim_chassis_create(const char *dir,
			      const struct pcinet_sim_config *cfg)
{
	return pcinet_sim_chassis_create_ext(dir, cfg, NULL);
}

int pcinet_sim_chassis_create_ext(const char *dir,
				  const struct pcinet_sim_config *cfg,
				  const char *host_mem_path)
{
	char path[SIM_PATH_MAX];
	unsigned int slot;
	void *p;
	int err;

	err = config_check(cfg);
	if (err)
		return err;
	if (host_mem_path && (!host_mem_path[0] ||
			      strlen(host_mem_path) >= SIM_PATH_MAX ||
			      strpbrk(host_mem_path, "\n\r")))
		return -EINVAL;
	err = pcinet_sim_path(dir, 0, PCINET_SIM_FILE_CONF, path, sizeof(path));
	if (err)
		return err;
	if (access(path, F_OK) == 0)
		return -EEXIST;
	if (host_mem_path) {
		/* Refuse before anything is made if it cannot be mapped */
		err = map_external(host_mem_path, cfg->host_mem_size, &p);
		if (err)
			return err;
		munmap(p, cfg->host_mem_size);
	}
	err = write_config(dir, cfg, host_mem_path);
	if (!err)
		err = map_host_mem(dir, host_mem_path, cfg->host_mem_size,
				   true, &p);
	if (!err) {
		munmap(p, cfg->host_mem_size);
		err = pcinet_sim_path(dir, 0, PCINET_SIM_FILE_SUPERVISOR_FIFO,
				      path, sizeof(path));
	}
	if (!err)
		err = make_fifo(path);
	for (slot = 1; !err && slot <= cfg->slots; slot++)
		err = create_slot(dir, slot, cfg);
	if (err) {
		pcinet_sim_chassis_destroy(dir);
		return err;
	}
	/* Every register starts at its reset value, as after power-on */
	{
		struct pcinet_sim_chassis *ch = pcinet_sim_chassis_open(dir);
		struct pcinet_sim_slot *s;

		if (!ch) {
			err = -errno;
			pcinet_sim_chassis_destroy(dir);
			return err;
		}
		for (slot = 1; slot <= cfg->slots; slot++) {
			s = pcinet_sim_slot_open(ch, slot, PCINET_SIM_OBSERVER);
			if (!s)
				continue;
			sim_lock(s->st);
			sim_reset_registers(s, M83XX_RSR_HRS);
			sim_cfg_power_on(s);
			sim_unlock(s->st);
			pcinet_sim_slot_close(s);
		}
		pcinet_sim_chassis_close(ch);
	}
	return 0;
}

static void remove_quiet(const char *path, bool is_dir)
{
	if (is_dir)
		rmdir(path);
	else
		unlink(path);
}

int pcinet_sim_chassis_destroy(const char *dir)
{
	char path[SIM_PATH_MAX];
	unsigned int slot, i;

	for (slot = 1; slot <= PCINET_SIM_MAX_SLOTS; slot++) {
		for (i = 0; i < sizeof(slot_files) / sizeof(slot_files[0]); i++) {
			if (!pcinet_sim_path(dir, slot, slot_files[i], path,
					     sizeof(path)))
				remove_quiet(path, false);
		}
		if (!pcinet_sim_path(dir, slot, PCINET_SIM_FILE_SLOT_DIR,
				     path, sizeof(path)))
			remove_quiet(path, true);
	}
	if (!pcinet_sim_path(dir, 0, PCINET_SIM_FILE_SUPERVISOR_FIFO,
			     path, sizeof(path)))
		remove_quiet(path, false);
	if (!pcinet_sim_path(dir, 0, PCINET_SIM_FILE_HOST_MEM,
			     path, sizeof(path)))
		remove_quiet(path, false);
	if (!pcinet_sim_path(dir, 0, PCINET_SIM_FILE_CONF, path, sizeof(path)))
		remove_quiet(path, false);
	return 0;
}

struct pcinet_sim_chassis *pcinet_sim_chassis_open(const char *dir)
{
	struct pcinet_sim_chassis *ch;
	char path[SIM_PATH_MAX];
	void *p;
	int err;

	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		errno = ENOMEM;
		return NULL;
	}
	ch->supervisor_fd = -1;
	if (strlen(dir) >= sizeof(ch->dir)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(ch->dir, dir);
	err = read_config(dir, &ch->cfg, ch->host_mem_path);
	if (!err)
		err = map_host_mem(dir, ch->host_mem_path,
				   ch->cfg.host_mem_size, false, &p);
	if (err)
		goto fail;
	ch->host_mem = p;
	if (!pcinet_sim_path(dir, 0, PCINET_SIM_FILE_SUPERVISOR_FIFO,
			     path, sizeof(path)))
		ch->supervisor_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return ch;
fail:
	free(ch);
	errno = -err;
	return NULL;
}

void pcinet_sim_chassis_close(struct pcinet_sim_chassis *ch)
{
	if (!ch)
		return;
	if (ch->host_mem)
		munmap(ch->host_mem, ch->cfg.host_mem_size);
	if (ch->supervisor_fd >= 0)
		close(ch->supervisor_fd);
	free(ch);
}

void pcinet_sim_chassis_get_config(const struct pcinet_sim_chassis *ch,
				   struct pcinet_sim_config *cfg)
{
	*cfg = ch->cfg;
}

void *pcinet_sim_host_mem(struct pcinet_sim_chassis *ch)
{
	return ch->host_mem;
}

static int open_fifo(const char *dir, unsigned int slot,
		     enum pcinet_sim_file fifo)
{
	char path[SIM_PATH_MAX];
	int fd;

	if (pcinet_sim_path(dir, slot, fifo, path, sizeof(path)))
		return -1;
	/* O_RDWR: a FIFO opened so never blocks and always has a reader */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return fd;
}

struct pcinet_sim_slot *pcinet_sim_slot_open(struct pcinet_sim_chassis *ch,
					     unsigned int slot,
					     enum pcinet_sim_side side)
{
	struct pcinet_sim_slot *s;
	char path[SIM_PATH_MAX];
	void *p;
	int err;

	if (slot < 1 || slot > ch->cfg.slots || side > PCINET_SIM_OBSERVER) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->ch = ch;
	s->index = slot;
	s->side = side;
	s->irq_fd[0] = s->irq_fd[1] = -1;
	err = pcinet_sim_path(ch->dir, slot, PCINET_SIM_FILE_IMMR,
			      path, sizeof(path));
	if (!err)
		err = sim_map_file(path, M83XX_IMMR_SIZE, false, &p);
	if (err)
		goto fail;
	s->immr = p;
	err = pcinet_sim_path(ch->dir, slot, PCINET_SIM_FILE_RAM,
			      path, sizeof(path));
	if (!err)
		err = sim_map_file(path, ch->cfg.ram_size, false, &p);
	if (err)
		goto fail;
	s->ram = p;
	err = pcinet_sim_path(ch->dir, slot, PCINET_SIM_FILE_STATE,
			      path, sizeof(path));
	if (!err)
		err = sim_map_file(path, sizeof(*s->st), false, &p);
	if (err)
		goto fail;
	s->st = p;
	if (__atomic_load_n(&s->st->magic, __ATOMIC_ACQUIRE) != SIM_STATE_MAGIC ||
	    s->st->version != SIM_STATE_VERSION) {
		err = -EINVAL;
		goto fail;
	}
	s->irq_fd[PCINET_SIM_BOARD] = open_fifo(ch->dir, slot,
						PCINET_SIM_FILE_IRQ_BOARD);
	s->irq_fd[PCINET_SIM_HOST] = open_fifo(ch->dir, slot,
					       PCINET_SIM_FILE_IRQ_HOST);
	if (s->irq_fd[0] < 0 || s->irq_fd[1] < 0) {
		err = -errno;
		goto fail;
	}
	s->epoch = __atomic_load_n(&s->st->epoch, __ATOMIC_ACQUIRE);
	return s;
fail:
	pcinet_sim_slot_close(s);
	errno = -err;
	return NULL;
}

void pcinet_sim_slot_close(struct pcinet_sim_slot *s)
{
	if (!s)
		return;
	/* What the host posted lands; the board's transfers stop with it */
	if (s->st)
		sim_posted_flush(s, false);
	sim_engine_stop(s);
	sim_posted_free(s);
	if (s->immr)
		munmap(s->immr, M83XX_IMMR_SIZE);
	if (s->ram)
		munmap(s->ram, s->ch->cfg.ram_size);
	if (s->st)
		munmap(s->st, sizeof(*s->st));
	if (s->irq_fd[0] >= 0)
		close(s->irq_fd[0]);
	if (s->irq_fd[1] >= 0)
		close(s->irq_fd[1]);
	free(s);
}

void *pcinet_sim_board_ram(struct pcinet_sim_slot *s)
{
	return s->side == PCINET_SIM_BOARD ? s->ram : NULL;
}

void *pcinet_sim_board_ptr(struct pcinet_sim_slot *s, uint32_t local,
			   uint32_t len)
{
	if (s->side != PCINET_SIM_BOARD)
		return NULL;
	return sim_translate_local(s, local, len);
}

uint32_t pcinet_sim_epoch(struct pcinet_sim_slot *s)
{
	return __atomic_load_n(&s->st->epoch, __ATOMIC_ACQUIRE);
}

uint32_t pcinet_sim_faults(struct pcinet_sim_slot *s)
{
	return __atomic_load_n(&s->st->faults, __ATOMIC_ACQUIRE);
}

int pcinet_sim_set_faults(struct pcinet_sim_slot *s, uint32_t faults)
{
	if (faults & ~PCINET_SIM_FAULTS_KNOWN)
		return -EINVAL;
	__atomic_store_n(&s->st->faults, faults, __ATOMIC_RELEASE);
	return 0;
}

bool pcinet_sim_board_stale(struct pcinet_sim_slot *s)
{
	return s->side == PCINET_SIM_BOARD && pcinet_sim_epoch(s) != s->epoch;
}
