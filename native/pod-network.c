/*
 * Attaching a pod sandbox to the node's bridge in isolated network mode, for hale-spawner
 * (its "n" request; src/agent/network/isolated-network.ts says what the network looks like).
 *
 * What `ip netns add` plus two `ip -batch` runs did, in one forked child of the spawn server
 * and without exec: a new network namespace pinned at NETNS_PATH (the layout `ip netns` uses,
 * so `ip netns list/delete/exec` keep working), a veth pair whose host end VETH is on BRIDGE
 * and up, whose other end is eth0 inside the namespace, up, with ADDRESS/PREFIX, lo up, and a
 * default route via GATEWAY. The `ip -n` run alone cost more CPU than everything else in a pod
 * sandbox's start: the dynamic loader of a large binary, plus a mount namespace with sysfs
 * remounted in it.
 *
 * attach_pod_network() runs in a child that exits afterwards (it leaves its network namespace
 * for the pod's, which only that child may do safely), prints why it failed on stderr and
 * answers an exit code: 0 done, 1 failed (the namespace file is removed again; the veth pair
 * goes with the namespace). detach_pod_network() undoes it, as `ip netns delete` and `ip link
 * delete` would, also in a child: unmounting the pin waits for an RCU grace period.
 */
#define _GNU_SOURCE
#include "pod-network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* if_nametoindex without <net/if.h>, whose definitions clash with <linux/if.h>. */
extern unsigned int if_nametoindex(const char *name);

#define NETNS_DIR "/run/netns"

/* ---- rtnetlink messages ---- */

struct message {
  union {
    struct nlmsghdr header;
    char bytes[1024];
  };
};

static struct nlmsghdr *start_message(struct message *m, int type, int flags, const void *body, size_t body_len) {
  memset(m, 0, sizeof *m);
  m->header.nlmsg_len = NLMSG_LENGTH(body_len);
  m->header.nlmsg_type = (unsigned short)type;
  m->header.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
  memcpy(NLMSG_DATA(&m->header), body, body_len);
  return &m->header;
}

static struct rtattr *add_attribute(struct nlmsghdr *h, int type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
  a->rta_type = (unsigned short)type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
  return a;
}

/* Opens a nested attribute; end_nest() sets its length once its contents are added. */
static struct rtattr *begin_nest(struct nlmsghdr *h, int type) {
  return add_attribute(h, type, NULL, 0);
}

static void end_nest(struct nlmsghdr *h, struct rtattr *nest) {
  nest->rta_len = (unsigned short)((char *)h + h->nlmsg_len - (char *)nest);
}

/* Raw bytes inside the message (a nested header such as the veth peer's ifinfomsg). */
static void add_bytes(struct nlmsghdr *h, const void *data, size_t len) {
  memcpy((char *)h + NLMSG_ALIGN(h->nlmsg_len), data, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + (unsigned)NLMSG_ALIGN(len);
}

/* Sends one request and reads its acknowledgement: 0, or the kernel's errno. */
static int transact(int sock, struct nlmsghdr *h) {
  static unsigned seq;
  h->nlmsg_seq = ++seq;
  if (send(sock, h, h->nlmsg_len, 0) < 0) return errno;
  char answer[4096];
  for (;;) {
    ssize_t n = recv(sock, answer, sizeof answer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EPROTO; /* the kernel always answers a request with NLM_F_ACK */
    for (struct nlmsghdr *a = (struct nlmsghdr *)answer; NLMSG_OK(a, (unsigned)n); a = NLMSG_NEXT(a, n)) {
      if (a->nlmsg_seq != h->nlmsg_seq || a->nlmsg_type != NLMSG_ERROR) continue;
      const struct nlmsgerr *e = NLMSG_DATA(a);
      return -e->error;
    }
  }
}

static int open_rtnetlink(void) {
  int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) return -1;
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(sock, (struct sockaddr *)&local, sizeof local) < 0) {
    close(sock);
    return -1;
  }
  return sock;
}

/* ---- the steps ---- */

static int fail(const char *step, int err) {
  fprintf(stderr, "%s: %s\n", step, strerror(err));
  return 1;
}

/* As `ip netns add` does: /run/netns is a shared mount, so namespaces pinned there later show
   in mount namespaces made from this one (and unpinning them reaches those too). */
static int share_netns_dir(void) {
  if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST) return fail("mkdir " NETNS_DIR, errno);
  if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0) return 0;
  if (errno != EINVAL) return fail("mount --make-shared " NETNS_DIR, errno);
  /* Not a mount point yet: bind it onto itself first. */
  if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0) return fail("mount --bind " NETNS_DIR, errno);
  if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) return fail("mount --make-shared " NETNS_DIR, errno);
  return 0;
}

/* VETH on BRIDGE, its peer eth0 in the namespace NS_FD, both down (the kernel brings the peer
   up before pairing them, which fails). Sent on the host's socket. */
static int add_veth_pair(int host_sock, const char *veth, unsigned bridge_index, int ns_fd) {
  struct message m;
  struct ifinfomsg link = {.ifi_family = AF_UNSPEC};
  struct ifinfomsg peer_link = {.ifi_family = AF_UNSPEC};
  struct nlmsghdr *h = start_message(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &link, sizeof link);
  add_attribute(h, IFLA_IFNAME, veth, strlen(veth) + 1);
  add_attribute(h, IFLA_MASTER, &bridge_index, sizeof bridge_index);
  struct rtattr *info = begin_nest(h, IFLA_LINKINFO);
  add_attribute(h, IFLA_INFO_KIND, "veth", 4);
  struct rtattr *data = begin_nest(h, IFLA_INFO_DATA);
  struct rtattr *peer = begin_nest(h, VETH_INFO_PEER);
  add_bytes(h, &peer_link, sizeof peer_link);
  add_attribute(h, IFLA_IFNAME, "eth0", 5);
  add_attribute(h, IFLA_NET_NS_FD, &ns_fd, sizeof ns_fd);
  end_nest(h, peer);
  end_nest(h, data);
  end_nest(h, info);
  return transact(host_sock, h);
}

/* The host end up, without an IPv6 link-local address (`ip link set VETH addrgenmode none up`;
   a new link's own request may not carry that setting), so without the IPv6 start-up traffic
   described at disable_ipv6_for_new_interfaces. Sent on the host's socket, by name. */
static int set_host_end_up(int host_sock, const char *veth) {
  struct message m;
  struct ifinfomsg link = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  struct nlmsghdr *h = start_message(&m, RTM_NEWLINK, 0, &link, sizeof link);
  add_attribute(h, IFLA_IFNAME, veth, strlen(veth) + 1);
  struct rtattr *af = begin_nest(h, IFLA_AF_SPEC);
  struct rtattr *inet6 = begin_nest(h, AF_INET6);
  unsigned char mode = IN6_ADDR_GEN_MODE_NONE;
  add_attribute(h, IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof mode);
  end_nest(h, inet6);
  end_nest(h, af);
  /* A kernel without IPv6 (or one that refuses the setting) still gets the link up. */
  if (transact(host_sock, h) == 0) return 0;
  h = start_message(&m, RTM_NEWLINK, 0, &link, sizeof link);
  add_attribute(h, IFLA_IFNAME, veth, strlen(veth) + 1);
  return transact(host_sock, h);
}

static int set_up(int sock, unsigned index) {
  struct message m;
  struct ifinfomsg link = {.ifi_family = AF_UNSPEC, .ifi_index = (int)index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  return transact(sock, start_message(&m, RTM_NEWLINK, 0, &link, sizeof link));
}

static int add_address(int sock, unsigned index, struct in_addr address, unsigned prefix) {
  struct message m;
  struct ifaddrmsg a = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix, .ifa_index = index};
  struct nlmsghdr *h = start_message(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &a, sizeof a);
  add_attribute(h, IFA_LOCAL, &address, sizeof address);
  add_attribute(h, IFA_ADDRESS, &address, sizeof address);
  return transact(sock, h);
}

static int add_default_route(int sock, unsigned index, struct in_addr gateway) {
  struct message m;
  struct rtmsg r = {.rtm_family = AF_INET,
                    .rtm_table = RT_TABLE_MAIN,
                    .rtm_protocol = RTPROT_BOOT,
                    .rtm_scope = RT_SCOPE_UNIVERSE,
                    .rtm_type = RTN_UNICAST};
  struct nlmsghdr *h = start_message(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, sizeof r);
  add_attribute(h, RTA_GATEWAY, &gateway, sizeof gateway);
  add_attribute(h, RTA_OIF, &index, sizeof index);
  return transact(sock, h);
}

static int delete_link(int sock, const char *name) {
  struct message m;
  struct ifinfomsg link = {.ifi_family = AF_UNSPEC};
  struct nlmsghdr *h = start_message(&m, RTM_DELLINK, 0, &link, sizeof link);
  add_attribute(h, IFLA_IFNAME, name, strlen(name) + 1);
  return transact(sock, h);
}

/* No IPv6 on interfaces made in this namespace from now on (eth0; lo keeps ::1). The pod
   network is IPv4, and each new interface's IPv6 start-up (duplicate address detection,
   multicast listener reports) sent packets that the bridge copied to every other pod's port,
   through netfilter: kernel work in the second after each attach, growing with the number of
   pods. /proc/sys/net is the opener's namespace. Best effort: a kernel without IPv6 has no such
   file, and in a container /proc/sys may be read-only; the pod works either way. */
static void disable_ipv6_for_new_interfaces(void) {
  int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t written = write(fd, "1", 1);
  (void)written; /* a failed write leaves IPv6 on, as above */
  close(fd);
}

/* Everything after the namespace exists; runs inside it. */
static int configure(const char *veth, unsigned bridge_index, int host_sock, struct in_addr address, unsigned prefix,
                     struct in_addr gateway) {
  char step[128];
  disable_ipv6_for_new_interfaces();
  int ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) return fail("open /proc/self/ns/net", errno);
  int err = add_veth_pair(host_sock, veth, bridge_index, ns_fd);
  close(ns_fd);
  snprintf(step, sizeof step, "link add %s type veth peer name eth0", veth);
  if (err) return fail(step, err);
  snprintf(step, sizeof step, "link set %s addrgenmode none up", veth);
  if ((err = set_host_end_up(host_sock, veth))) return fail(step, err);

  int sock = open_rtnetlink();
  if (sock < 0) return fail("netlink socket in the pod namespace", errno);
  unsigned lo = if_nametoindex("lo"), eth0 = if_nametoindex("eth0");
  if (!lo || !eth0) return fail("find lo and eth0 in the pod namespace", errno ? errno : ENODEV);
  if ((err = set_up(sock, lo))) return fail("link set lo up", err);
  char text[INET_ADDRSTRLEN];
  snprintf(step, sizeof step, "addr add %s/%u dev eth0", inet_ntop(AF_INET, &address, text, sizeof text), prefix);
  if ((err = add_address(sock, eth0, address, prefix))) return fail(step, err);
  if ((err = set_up(sock, eth0))) return fail("link set eth0 up", err);
  snprintf(step, sizeof step, "route add default via %s dev eth0", inet_ntop(AF_INET, &gateway, text, sizeof text));
  if ((err = add_default_route(sock, eth0, gateway))) return fail(step, err);
  close(sock);
  return 0;
}

int attach_pod_network(const char *netns_path, const char *veth, const char *bridge, const char *address_text,
                       const char *gateway_text) {
  struct in_addr address, gateway;
  char address_only[INET_ADDRSTRLEN];
  const char *slash = strchr(address_text, '/');
  char *end;
  long prefix = slash ? strtol(slash + 1, &end, 10) : -1;
  size_t address_len = slash ? (size_t)(slash - address_text) : 0;
  if (!slash || *end || prefix < 1 || prefix > 32 || address_len >= sizeof address_only) {
    fprintf(stderr, "bad pod address %s (want A.B.C.D/PREFIX)\n", address_text);
    return 1;
  }
  memcpy(address_only, address_text, address_len);
  address_only[address_len] = '\0';
  if (inet_pton(AF_INET, address_only, &address) != 1 || inet_pton(AF_INET, gateway_text, &gateway) != 1) {
    fprintf(stderr, "bad pod address %s or gateway %s\n", address_text, gateway_text);
    return 1;
  }
  if (strlen(veth) >= IFNAMSIZ) {
    fprintf(stderr, "interface name %s is longer than %d bytes\n", veth, IFNAMSIZ - 1);
    return 1;
  }
  /* Host-side lookups before leaving the host's namespace. */
  unsigned bridge_index = if_nametoindex(bridge);
  if (!bridge_index) {
    fprintf(stderr, "bridge %s: %s\n", bridge, strerror(errno ? errno : ENODEV));
    return 1;
  }
  int host_sock = open_rtnetlink();
  if (host_sock < 0) return fail("netlink socket", errno);
  if (share_netns_dir()) return 1;

  int pin = open(netns_path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (pin < 0) {
    fprintf(stderr, "Cannot create namespace file \"%s\": %s\n", netns_path, strerror(errno));
    return 1;
  }
  close(pin);
  if (unshare(CLONE_NEWNET) < 0) {
    int err = errno;
    unlink(netns_path);
    return fail("unshare(CLONE_NEWNET)", err);
  }
  if (mount("/proc/self/ns/net", netns_path, "none", MS_BIND, NULL) < 0) {
    int err = errno;
    unlink(netns_path);
    fprintf(stderr, "Bind /proc/self/ns/net -> %s failed: %s\n", netns_path, strerror(err));
    return 1;
  }
  if (configure(veth, bridge_index, host_sock, address, (unsigned)prefix, gateway)) {
    /* Unpinned, the namespace goes once this process exits, and the veth pair with it. */
    umount2(netns_path, MNT_DETACH);
    unlink(netns_path);
    return 1;
  }
  return 0;
}

int detach_pod_network(const char *netns_path, const char *veth) {
  /* Unpinning the namespace destroys eth0 and with it the host end of the pair, unless a
     process still holds the namespace: then the host end is deleted below. */
  umount2(netns_path, MNT_DETACH);
  if (unlink(netns_path) < 0 && errno != ENOENT) {
    fprintf(stderr, "Cannot remove namespace file \"%s\": %s\n", netns_path, strerror(errno));
    return 1;
  }
  int sock = open_rtnetlink();
  if (sock < 0) return fail("netlink socket", errno);
  int err = delete_link(sock, veth);
  close(sock);
  if (err && err != ENODEV) {
    char step[64];
    snprintf(step, sizeof step, "link delete %s", veth);
    return fail(step, err);
  }
  return 0;
}
