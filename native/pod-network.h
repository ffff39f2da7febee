/* See pod-network.c. */
#ifndef HALE_POD_NETWORK_H
#define HALE_POD_NETWORK_H

/* In a child process that exits afterwards: 0 done, 1 failed (why, on stderr). */
int attach_pod_network(const char *netns_path, const char *veth, const char *bridge, const char *address,
                       const char *gateway);

/* The same for removing what attach_pod_network() made; what is not there is no error. */
int detach_pod_network(const char *netns_path, const char *veth);

#endif
