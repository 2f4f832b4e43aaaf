// SPDX-License-Identifier: GPL-2.0+
/*
 * The host-OS half of the sandbox PCINet backend (see asm/pcinet-os.h).
 * Built in the system environment, like os.c and eth-raw-os.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <asm/pcinet-os.h>
#include <pcinet_sim.h>

/*
 * U-Boot polls its registers in tight loops (console tstc, net receive). On
 * a board that costs nothing; nineteen sandbox boards on two cores would
 * spin the machine flat. So a board that has seen no host write and made
 * none itself for SPIN_US idles, at its next register read, until the host
 * writes to this slot, at most IDLE_US. No input is missed (a host write
 * ends the wait at once), a busy link never sleeps (a wake-up costs more
 * than the spin), and U-Boot's timers run on the host clock, so they stay
 * right, to IDLE_US.
 */
#define SPIN_US		200
#define IDLE_US		10000

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull +
	       (unsigned long long)ts.tv_nsec / 1000;
}

struct pcinet_os {
	struct pcinet_sim_chassis *chassis;
	struct pcinet_sim_slot *slot;
	struct pcinet_sim_config config;
	unsigned int number;
	unsigned int host_activity;	/* as last seen */
	unsigned long long busy_at;	/* last activity either way, us */
	int side;
};

static int open_side(void **handle, enum pcinet_sim_side side)
{
	const char *dir = getenv("PCINET_SIM_DIR");
	const char *slot = getenv("PCINET_SIM_SLOT");
	struct pcinet_os *os;
	char *end;
	long n;

	if (!dir || !slot)
		return -ENODEV;
	n = strtol(slot, &end, 10);
	if (*end || n < 1)
		return -EINVAL;
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	os->chassis = pcinet_sim_chassis_open(dir);
	if (!os->chassis)
		goto fail;
	os->slot = pcinet_sim_slot_open(os->chassis, (unsigned int)n, side);
	if (!os->slot)
		goto fail;
	pcinet_sim_chassis_get_config(os->chassis, &os->config);
	os->number = (unsigned int)n;
	os->side = side;
	*handle = os;
	return 0;
fail:
	n = errno ? -errno : -EIO;
	pcinet_sim_chassis_close(os->chassis);
	free(os);
	return (int)n;
}

int pcinet_os_open(void **handle)
{
	return open_side(handle, PCINET_SIM_BOARD);
}

unsigned int pcinet_os_read32(void *handle, unsigned int offset)
{
	struct pcinet_os *os = handle;

	if (os->side == PCINET_SIM_BOARD) {
		unsigned int seen = pcinet_sim_idle(os->slot, os->host_activity, 0);
		unsigned long long t = now_us();

		if (seen != os->host_activity) {
			os->host_activity = seen;
			os->busy_at = t;
		} else if (t - os->busy_at > SPIN_US) {
			os->host_activity = pcinet_sim_idle(os->slot, seen, IDLE_US);
			if (os->host_activity != seen)
				os->busy_at = now_us();
		}
	}
	return pcinet_sim_read32(os->slot, offset);
}

void pcinet_os_write32(void *handle, unsigned int offset, unsigned int value)
{
	struct pcinet_os *os = handle;

	if (os->side == PCINET_SIM_BOARD)
		os->busy_at = now_us();
	pcinet_sim_write32(os->slot, offset, value);
}

void *pcinet_os_board_ptr(void *handle, unsigned long local, unsigned long len)
{
	struct pcinet_os *os = handle;

	if (local > 0xFFFFFFFFul || len > 0xFFFFFFFFul)
		return NULL;
	return pcinet_sim_board_ptr(os->slot, (uint32_t)local, (uint32_t)len);
}

unsigned int pcinet_os_slot(void *handle)
{
	struct pcinet_os *os = handle;

	return os->number;
}

void pcinet_os_ram(void *handle, unsigned long *base, unsigned long *size)
{
	struct pcinet_os *os = handle;

	*base = os->config.ram_base;
	*size = os->config.ram_size;
}

int pcinet_os_host_open(void **handle)
{
	return open_side(handle, PCINET_SIM_HOST);
}

void pcinet_os_host_close(void *handle)
{
	struct pcinet_os *os = handle;

	pcinet_sim_slot_close(os->slot);
	pcinet_sim_chassis_close(os->chassis);
	free(os);
}

unsigned int pcinet_os_host_read32(void *handle, unsigned int offset)
{
	return pcinet_os_read32(handle, offset);
}

void pcinet_os_host_write32(void *handle, unsigned int offset, unsigned int value)
{
	pcinet_os_write32(handle, offset, value);
}

int pcinet_os_host_bar_read(void *handle, unsigned int offset, void *buf, unsigned int len)
{
	struct pcinet_os *os = handle;

	return pcinet_sim_bar_read(os->slot, offset, buf, len);
}

int pcinet_os_host_bar_write(void *handle, unsigned int offset, const void *buf,
			     unsigned int len)
{
	struct pcinet_os *os = handle;

	return pcinet_sim_bar_write(os->slot, offset, buf, len);
}

void *pcinet_os_host_mem(void *handle, unsigned long long *bus, unsigned long long *size)
{
	struct pcinet_os *os = handle;

	*bus = os->config.host_mem_bus;
	*size = os->config.host_mem_size;
	return pcinet_sim_host_mem(os->chassis);
}

unsigned long long pcinet_os_violations(void *handle)
{
	struct pcinet_os *os = handle;

	return pcinet_sim_violations(os->slot);
}
