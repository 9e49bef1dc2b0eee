/* The zygote's run launcher in C (see _zygote_main.py for the process tree and the protocol).
 *
 * Why C: the launcher is a copy-on-write copy of the zygote's Python image. Run as Python, every
 * object it touched (json, socket, select, ctypes) faulted a page of that image in, about 500
 * faults and 2.8 ms of CPU per run; this code touches its own stack and a few pages of libc.
 * `pl_launch` is entered in the freshly cloned launcher (PID 1 of the run's new namespaces) and
 * never returns there: it returns only in the program's process, forked once the run's scratch
 * is ready and its set-up (capabilities, rlimits, seccomp, fds) done, which then goes back to
 * Python to exec the program's source.
 *
 * Built by scripts/setup.sh: gcc -O2 -shared -fPIC sandbox/_launcher.c -o sandbox/_launcher.so
 *
 * The request memfd starts with a header for this code, written by sandbox.zygote:
 *     "scratch_mb shm_mb wall_ms n_rlimits n_files seccomp_len\n"
 *     n_rlimits x "resource soft hard\n"        (-1 = unlimited)
 *     n_files x "size name_len\n" + name bytes
 *     seccomp_len bytes of a classic BPF program
 *     the rest: the program's source file name and argv, NUL-separated (for its Python side)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH "/tmp"
#define MAX_RLIMITS 16

/* what the program's process takes back to Python */
struct pl_job {
    char *args;
    long args_len;
};

struct request {
    int scratch_mb, shm_mb, n_rlimits, n_files;
    long wall_ms, seccomp_len;
    int rl_resource[MAX_RLIMITS];
    struct rlimit rl[MAX_RLIMITS];
    const char *files; /* the n_files entries, parsed as the files are written */
    const char *seccomp;
    const char *args;
    long args_len;
};

static int ctrl_fd = -1;
/* the zygote's signal dispositions (Python's: SIGINT handled, SIGPIPE and SIGXFSZ ignored), which
 * the launcher drops and the program gets back: the signal module's table then still matches */
static struct sigaction zygote_signals[NSIG];

static void send_all(const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(ctrl_fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static void reap_run(void) {
    /* as PID 1, kill(-1) reaches every other process of the run and nothing else; a launcher
     * that is not PID 1 (clone refused, see _zygote_main.main) must never send it */
    if (getpid() == 1)
        kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
}

/* reply {"error": "init: ..."} (quotes and backslashes of the message made harmless), exit */
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...) {
    char msg[512], out[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '\'';
    reap_run();
    int n = snprintf(out, sizeof out, "{\"error\": \"init: %s\"}\n", msg);
    send_all(out, (size_t)n);
    _exit(0);
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* identity map, loopback up (as bwrap --unshare-net), private mounts, its own /proc: done before
 * the request arrives, while the previous run goes on. NULL, or what failed. */
static const char *enter_namespaces(void) {
    char map[64];
    if (write_file("/proc/self/setgroups", "deny"))
        return "setgroups";
    snprintf(map, sizeof map, "%u %u 1\n", getuid(), getuid());
    if (write_file("/proc/self/uid_map", map))
        return "uid_map";
    snprintf(map, sizeof map, "%u %u 1\n", getgid(), getgid());
    if (write_file("/proc/self/gid_map", map))
        return "gid_map";
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int bad = s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0;
    ifr.ifr_flags |= IFF_UP;
    bad = bad || ioctl(s, SIOCSIFFLAGS, &ifr) < 0;
    if (s >= 0)
        close(s);
    if (bad)
        return "loopback";
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
        return "mount /";
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
        return "mount /proc";
    return NULL;
}

static char *read_all(int fd, long *len) {
    struct stat st;
    if (fstat(fd, &st) || st.st_size <= 0)
        return NULL;
    char *buf = malloc((size_t)st.st_size + 1);
    long got = 0;
    while (buf && got < st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)(st.st_size - got), got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        got += n;
    }
    if (buf)
        buf[got] = 0;
    *len = got;
    return buf;
}

/* the next integer of the header; *ok = 0 on a malformed one */
static long long next_int(const char **p, const char *end, int *ok) {
    char *stop;
    if (*p >= end) {
        *ok = 0;
        return 0;
    }
    errno = 0;
    long long v = strtoll(*p, &stop, 10);
    if (stop == *p || errno || stop >= end)
        *ok = 0;
    *p = stop + 1; /* past the separator */
    return v;
}

static void parse(const char *buf, long len, struct request *r) {
    const char *p = buf, *end = buf + len;
    int ok = 1;
    r->scratch_mb = (int)next_int(&p, end, &ok);
    r->shm_mb = (int)next_int(&p, end, &ok);
    r->wall_ms = (long)next_int(&p, end, &ok);
    r->n_rlimits = (int)next_int(&p, end, &ok);
    r->n_files = (int)next_int(&p, end, &ok);
    r->seccomp_len = (long)next_int(&p, end, &ok);
    if (!ok || r->n_rlimits < 0 || r->n_rlimits > MAX_RLIMITS || r->n_files < 0)
        fail("bad request header");
    for (int i = 0; i < r->n_rlimits; i++) {
        r->rl_resource[i] = (int)next_int(&p, end, &ok);
        long long soft = next_int(&p, end, &ok), hard = next_int(&p, end, &ok);
        r->rl[i].rlim_cur = soft < 0 ? RLIM_INFINITY : (rlim_t)soft;
        r->rl[i].rlim_max = hard < 0 ? RLIM_INFINITY : (rlim_t)hard;
    }
    r->files = p;
    for (int i = 0; i < r->n_files && ok; i++) {
        next_int(&p, end, &ok);
        long long name_len = next_int(&p, end, &ok);
        if (name_len < 0 || name_len > end - p)
            ok = 0;
        else
            p += name_len;
    }
    if (!ok || r->seccomp_len < 0 || r->seccomp_len % 8 || r->seccomp_len > end - p)
        fail("bad request header");
    r->seccomp = p;
    r->args = p + r->seccomp_len;
    r->args_len = end - r->args;
}

static void mount_scratch(const struct request *r) {
    char opts[96];
    /* nr_inodes bounds inode-fill attacks (kernel memory that no rlimit counts) */
    snprintf(opts, sizeof opts, "size=%dm,nr_inodes=16384,mode=0755", r->scratch_mb);
    if (mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, opts))
        fail("mount %s: %s", SCRATCH, strerror(errno));
    snprintf(opts, sizeof opts, "size=%dm,nr_inodes=1024,mode=1777", r->shm_mb);
    if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts))
        fail("mount /dev/shm: %s", strerror(errno));
}

/* the request's files into the scratch, by sendfile: their bytes never pass through this
 * process's memory, which the program inherits */
static void write_files(const struct request *r, int files_fd) {
    const char *p = r->files, *end = r->seccomp;
    off_t offset = 0;
    int ok = 1;
    for (int i = 0; i < r->n_files; i++) {
        long long size = next_int(&p, end, &ok);
        long long name_len = next_int(&p, end, &ok);
        char path[PATH_MAX];
        if (!ok || name_len <= 0 || name_len + sizeof SCRATCH + 1 > sizeof path)
            fail("bad file name");
        snprintf(path, sizeof path, SCRATCH "/%.*s", (int)name_len, p);
        p += name_len;
        if (strlen(path) != sizeof SCRATCH + (size_t)name_len)
            fail("bad file name");
        for (char *slash = strchr(path + sizeof SCRATCH, '/'); slash; slash = strchr(slash + 1, '/')) {
            *slash = 0;
            if (mkdir(path, 0755) && errno != EEXIST)
                fail("mkdir %s: %s", path, strerror(errno));
            *slash = '/';
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("open %s: %s", path, strerror(errno));
        while (size > 0) {
            ssize_t sent = sendfile(fd, files_fd, &offset, (size_t)size);
            if (sent < 0 && errno == EINTR)
                continue;
            if (sent <= 0)
                fail("request files ended early");
            size -= sent;
        }
        close(fd);
    }
}

static void __attribute__((noreturn)) child_failed(const char *what) {
    char msg[256];
    int n = snprintf(msg, sizeof msg, "sandbox child setup failed: %s: %s\n", what, strerror(errno));
    if (write(2, msg, (size_t)n) < 0) {
        /* nothing more to say */
    }
    _exit(121);
}

/* C: stdio, no capabilities, no_new_privs, rlimits, cwd, seccomp, no other fds; then one byte on
 * ready_w says the set-up succeeded */
static void child_setup(const struct request *r, const int fds[3], int ready_w, struct pl_job *job) {
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &zygote_signals[sig], NULL);
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0)
            child_failed("dup2");
    job->args = malloc((size_t)r->args_len + 1);
    if (!job->args)
        child_failed("malloc");
    memcpy(job->args, r->args, (size_t)r->args_len);
    job->args_len = r->args_len;
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    for (int cap = 0; cap < 64; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
            break; /* EINVAL past the last capability the kernel knows */
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &head, data))
        child_failed("capset");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
        child_failed("no_new_privs");
    for (int i = 0; i < r->n_rlimits; i++)
        if (setrlimit(r->rl_resource[i], &r->rl[i]))
            child_failed("setrlimit");
    if (chdir(SCRATCH))
        child_failed("chdir");
    umask(022);
    if (r->seccomp_len > 0) {
        struct sock_fprog prog = {(unsigned short)(r->seccomp_len / 8),
                                  (struct sock_filter *)r->seccomp};
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
            child_failed("seccomp");
    }
    if (write(ready_w, "1", 1) != 1)
        child_failed("ready");
    /* the control socket above all: the program must not forge a reply */
    if (syscall(SYS_close_range, 3U, ~0U, 0))
        for (int fd = 3; fd < 65536; fd++)
            close(fd);
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Entered in a freshly cloned launcher; returns (0) only in the program's process, with its job. */
int pl_launch(int ctrl, int took_w, const char *failed, struct pl_job *job) {
    ctrl_fd = ctrl;
    /* every catchable signal to its default: the kernel then drops what the run's processes send
     * to their PID 1 (a handler would let a program end its init) */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, &zygote_signals[sig]);
    char failure[256] = "";
    if (failed)
        snprintf(failure, sizeof failure, "%s", failed);
    else {
        const char *what = enter_namespaces();
        if (what)
            snprintf(failure, sizeof failure, "namespaces: %s: %s", what, strerror(errno));
        /* not dumpable: the program (same uid) cannot ptrace its init or read /proc/1/mem */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    }

    int fds[6];
    for (;;) {
        char byte[16];
        union {
            char buf[CMSG_SPACE(8 * sizeof(int))];
            struct cmsghdr align;
        } cmsg;
        struct iovec iov = {byte, sizeof byte};
        struct msghdr msg = {0};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.buf;
        msg.msg_controllen = sizeof cmsg.buf;
        ssize_t n = recvmsg(ctrl, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3); /* the host went away: the zygote exits too */
        int got = 0, recv[8];
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                for (int i = 0; i < k && got < 8; i++)
                    memcpy(&recv[got++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            }
        if (got == 6 && !(msg.msg_flags & MSG_CTRUNC)) {
            memcpy(fds, recv, sizeof fds);
            break;
        }
        for (int i = 0; i < got; i++)
            close(recv[i]);
    }
    if (write(took_w, "T", 1) != 1) {
        /* the zygote is gone; the run is answered all the same */
    }
    close(took_w);
    int req_fd = fds[0], files_fd = fds[1], kill_fd = fds[5];
    if (failure[0])
        fail("%s", failure);

    struct request r;
    long len = 0;
    char *buf = read_all(req_fd, &len);
    if (!buf)
        fail("unreadable request");
    close(req_fd);
    parse(buf, len, &r);
    mount_scratch(&r);
    write_files(&r, files_fd);
    close(files_fd);
    long deadline = now_ms() + r.wall_ms;
    int ready[2];
    if (pipe(ready))
        fail("pipe: %s", strerror(errno));
    pid_t c = fork();
    if (c < 0)
        fail("fork: %s", strerror(errno));
    if (c == 0) {
        child_setup(&r, &fds[2], ready[1], job);
        return 0;
    }
    for (int i = 2; i < 5; i++)
        close(fds[i]);
    close(ready[1]);
    free(buf);

    int pidfd = (int)syscall(SYS_pidfd_open, c, 0);
    if (pidfd < 0)
        fail("pidfd_open: %s", strerror(errno));
    int timed_out = 0, killed = 0;
    for (;;) {
        struct pollfd p[2] = {{pidfd, POLLIN, 0}, {kill_fd, POLLIN, 0}};
        long left = deadline - now_ms();
        int n = poll(p, 2, left > 0 ? (int)left : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail("poll: %s", strerror(errno));
        if (p[0].revents)
            break;
        killed = p[1].revents != 0;
        timed_out = !killed;
        /* every process of the run at once, not C first: its children would keep burning the
         * run's CPU while C is reaped */
        kill(-1, SIGKILL);
        break;
    }
    int status;
    struct rusage ru;
    while (wait4(c, &status, 0, &ru) < 0)
        if (errno != EINTR)
            fail("wait4: %s", strerror(errno));
    char ok = 0;
    fcntl(ready[0], F_SETFL, O_NONBLOCK);
    int setup_ok = read(ready[0], &ok, 1) == 1 && ok == '1';
    reap_run();

    /* the real wait status: an exit(152) is not SIGXCPU (128 + 24), whatever it looks like */
    char exit_s[16] = "null", sig_s[16] = "null", out[320];
    if (WIFSIGNALED(status))
        snprintf(sig_s, sizeof sig_s, "%d", WTERMSIG(status));
    else
        snprintf(exit_s, sizeof exit_s, "%d", WEXITSTATUS(status));
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    int n = snprintf(out, sizeof out,
                     "{\"timed_out\": %s, \"killed\": %s, \"setup_ok\": %s, \"exit\": %s, "
                     "\"signal\": %s, \"cpu_s\": %.6f, \"maxrss_kb\": %ld}\n",
                     timed_out ? "true" : "false", killed ? "true" : "false",
                     setup_ok ? "true" : "false", exit_s, sig_s, cpu, ru.ru_maxrss);
    send_all(out, (size_t)n);
    _exit(0);
}
