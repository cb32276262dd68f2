/*
 * lwipopts.h - lwIP configuration of the NO_SYS 1 host test and of
 * examples/lwip: a super-loop stack with no heap at all. Every pbuf, PCB and
 * segment comes from static pools (memp) or the static MEM_SIZE heap
 * (mem.c over a static array), and the DNS client's tables are static;
 * lwIP never calls malloc.
 */
#ifndef LFT_TEST_LWIPOPTS_H
#define LFT_TEST_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* one context: the super-loop */
#define LWIP_TIMERS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

/* memory: static only */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (48 * 1024) /* PBUF_RAM: received frames and queued TCP data */
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_TCP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 32
#define MEMP_NUM_UDP_PCB 4 /* DNS: one per outstanding query (DNS_MAX_SOURCE_PORTS) */
#define PBUF_POOL_SIZE 8

/* protocols: IPv4, ARP over Ethernet, TCP; UDP for the DNS client */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1 /* static tables: DNS_TABLE_SIZE names of DNS_MAX_NAME_LENGTH */
#define DNS_TABLE_SIZE 4
#define DNS_MAX_NAME_LENGTH 256
#define DNS_MAX_SERVERS 1 /* the test sets it: dns_setserver */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0

#define LWIP_STATS 0
#define LWIP_DEBUG 0

#endif /* LFT_TEST_LWIPOPTS_H */
