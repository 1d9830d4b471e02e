/**
 * Kernel constants for rtnetlink, spelled as in the uapi headers (linux/netlink.h,
 * rtnetlink.h, if_link.h, if_addr.h, neighbour.h, veth.h, if.h). Values checked against
 * /usr/include/linux; enums are written out in full so a number here can be found there.
 */

// linux/netlink.h: struct nlmsghdr, control messages and flags
export const NLMSG_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
export const NLMSG_MIN_TYPE = 0x10;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
// Modifiers to GET requests
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// Modifiers to NEW requests
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
// Modifiers to DELETE requests
export const NLM_F_NONREC = 0x100;
export const NLM_F_BULK = 0x200;
// Flags of ACK messages
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

// struct nlattr
export const NLA_HDRLEN = 4;
export const NLA_ALIGNTO = 4;
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

// Socket options of SOL_NETLINK not exported by native/
export const NETLINK_CAP_ACK = 10;

// enum nlmsgerr_attrs: extended ack TLVs after an NLMSG_ERROR (or NLMSG_DONE)
export const NLMSGERR_ATTR_UNUSED = 0;
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

// Address families
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

// linux/rtnetlink.h: message types
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;
export const RTM_NEWNSID = 88;
export const RTM_DELNSID = 89;
export const RTM_GETNSID = 90;

// rtm_type
export const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_ANYCAST = 4;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
export const RTN_THROW = 9;
export const RTN_NAT = 10;
export const RTN_XRESOLVE = 11;

// rtm_protocol
export const RTPROT_UNSPEC = 0;
export const RTPROT_REDIRECT = 1;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_RA = 9;
export const RTPROT_DHCP = 16;

// rtm_scope (also ifa_scope)
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// rtm_flags
export const RTNH_F_DEAD = 1;
export const RTNH_F_PERVASIVE = 2;
export const RTNH_F_ONLINK = 4;
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;

// Reserved table ids
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

// enum rtattr_type_t
export const RTA_UNSPEC = 0;
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_PROTOINFO = 10;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_SESSION = 13;
export const RTA_MP_ALGO = 14;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_MFC_STATS = 17;
export const RTA_VIA = 18;
export const RTA_NEWDST = 19;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_ENCAP = 22;
export const RTA_EXPIRES = 23;
export const RTA_PAD = 24;
export const RTA_UID = 25;
export const RTA_TTL_PROPAGATE = 26;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;

// RTA_METRICS members
export const RTAX_UNSPEC = 0;
export const RTAX_LOCK = 1;
export const RTAX_MTU = 2;
export const RTAX_WINDOW = 3;
export const RTAX_RTT = 4;
export const RTAX_RTTVAR = 5;
export const RTAX_SSTHRESH = 6;
export const RTAX_CWND = 7;
export const RTAX_ADVMSS = 8;
export const RTAX_REORDERING = 9;
export const RTAX_HOPLIMIT = 10;
export const RTAX_INITCWND = 11;
export const RTAX_FEATURES = 12;
export const RTAX_RTO_MIN = 13;
export const RTAX_INITRWND = 14;
export const RTAX_QUICKACK = 15;
export const RTAX_CC_ALGO = 16;
export const RTAX_FASTOPEN_NO_COOKIE = 17;

// enum rtnetlink_groups (for NETLINK_ADD_MEMBERSHIP)
export const RTNLGRP_NONE = 0;
export const RTNLGRP_LINK = 1;
export const RTNLGRP_NOTIFY = 2;
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_MROUTE = 6;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV4_RULE = 8;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_MROUTE = 10;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_IFINFO = 12;
export const RTNLGRP_DECnet_IFADDR = 13;
export const RTNLGRP_NOP2 = 14;
export const RTNLGRP_DECnet_ROUTE = 15;
export const RTNLGRP_DECnet_RULE = 16;
export const RTNLGRP_NOP4 = 17;
export const RTNLGRP_IPV6_PREFIX = 18;
export const RTNLGRP_IPV6_RULE = 19;
export const RTNLGRP_ND_USEROPT = 20;
export const RTNLGRP_PHONET_IFADDR = 21;
export const RTNLGRP_PHONET_ROUTE = 22;
export const RTNLGRP_DCB = 23;
export const RTNLGRP_IPV4_NETCONF = 24;
export const RTNLGRP_IPV6_NETCONF = 25;
export const RTNLGRP_MDB = 26;
export const RTNLGRP_MPLS_ROUTE = 27;
export const RTNLGRP_NSID = 28;
export const RTNLGRP_MPLS_NETCONF = 29;
export const RTNLGRP_IPV4_MROUTE_R = 30;
export const RTNLGRP_IPV6_MROUTE_R = 31;
export const RTNLGRP_NEXTHOP = 32;
export const RTNLGRP_BRVLAN = 33;
export const RTNLGRP_MCTP_IFADDR = 34;
export const RTNLGRP_TUNNEL = 35;
export const RTNLGRP_STATS = 36;

// IFLA_EXT_MASK values
export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_BRVLAN = 1 << 1;
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

// linux/if.h: net_device flags
export const IFF_UP = 1 << 0;
export const IFF_BROADCAST = 1 << 1;
export const IFF_DEBUG = 1 << 2;
export const IFF_LOOPBACK = 1 << 3;
export const IFF_POINTOPOINT = 1 << 4;
export const IFF_NOTRAILERS = 1 << 5;
export const IFF_RUNNING = 1 << 6;
export const IFF_NOARP = 1 << 7;
export const IFF_PROMISC = 1 << 8;
export const IFF_ALLMULTI = 1 << 9;
export const IFF_MASTER = 1 << 10;
export const IFF_SLAVE = 1 << 11;
export const IFF_MULTICAST = 1 << 12;
export const IFF_PORTSEL = 1 << 13;
export const IFF_AUTOMEDIA = 1 << 14;
export const IFF_DYNAMIC = 1 << 15;
export const IFF_LOWER_UP = 1 << 16;
export const IFF_DORMANT = 1 << 17;
export const IFF_ECHO = 1 << 18;

// linux/if.h: RFC 2863 operational states (IFLA_OPERSTATE)
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

// linux/if_arp.h: ifi_type values met here
export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_NONE = 0xfffe;

// linux/if_link.h: link attributes
export const IFLA_UNSPEC = 0;
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_COST = 8;
export const IFLA_PRIORITY = 9;
export const IFLA_MASTER = 10;
export const IFLA_WIRELESS = 11;
export const IFLA_PROTINFO = 12;
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_WEIGHT = 15;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_IFALIAS = 20;
export const IFLA_NUM_VF = 21;
export const IFLA_VFINFO_LIST = 22;
export const IFLA_STATS64 = 23;
export const IFLA_VF_PORTS = 24;
export const IFLA_PORT_SELF = 25;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_PHYS_PORT_ID = 34;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PHYS_SWITCH_ID = 36;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_PHYS_PORT_NAME = 38;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_PAD = 42;
export const IFLA_XDP = 43;
export const IFLA_EVENT = 44;
export const IFLA_NEW_NETNSID = 45;
export const IFLA_IF_NETNSID = 46;
export const IFLA_TARGET_NETNSID = 46;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_NEW_IFINDEX = 49;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_PERM_ADDRESS = 54;
export const IFLA_PROTO_DOWN_REASON = 55;
export const IFLA_PARENT_DEV_NAME = 56;
export const IFLA_PARENT_DEV_BUS_NAME = 57;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61;

// IFLA_LINKINFO members
export const IFLA_INFO_UNSPEC = 0;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;

// linux/veth.h: IFLA_INFO_DATA of a veth
export const VETH_INFO_UNSPEC = 0;
export const VETH_INFO_PEER = 1;

// IFLA_INFO_DATA of a bridge
export const IFLA_BR_UNSPEC = 0;
export const IFLA_BR_FORWARD_DELAY = 1;
export const IFLA_BR_HELLO_TIME = 2;
export const IFLA_BR_MAX_AGE = 3;
export const IFLA_BR_AGEING_TIME = 4;
export const IFLA_BR_STP_STATE = 5;
export const IFLA_BR_PRIORITY = 6;
export const IFLA_BR_VLAN_FILTERING = 7;
export const IFLA_BR_VLAN_PROTOCOL = 8;
export const IFLA_BR_GROUP_FWD_MASK = 9;
export const IFLA_BR_ROOT_ID = 10;
export const IFLA_BR_BRIDGE_ID = 11;
export const IFLA_BR_ROOT_PORT = 12;
export const IFLA_BR_ROOT_PATH_COST = 13;
export const IFLA_BR_TOPOLOGY_CHANGE = 14;
export const IFLA_BR_TOPOLOGY_CHANGE_DETECTED = 15;
export const IFLA_BR_HELLO_TIMER = 16;
export const IFLA_BR_TCN_TIMER = 17;
export const IFLA_BR_TOPOLOGY_CHANGE_TIMER = 18;
export const IFLA_BR_GC_TIMER = 19;
export const IFLA_BR_GROUP_ADDR = 20;
export const IFLA_BR_FDB_FLUSH = 21;
export const IFLA_BR_MCAST_ROUTER = 22;
export const IFLA_BR_MCAST_SNOOPING = 23;
export const IFLA_BR_MCAST_QUERY_USE_IFADDR = 24;
export const IFLA_BR_MCAST_QUERIER = 25;
export const IFLA_BR_MCAST_HASH_ELASTICITY = 26;
export const IFLA_BR_MCAST_HASH_MAX = 27;
export const IFLA_BR_MCAST_LAST_MEMBER_CNT = 28;
export const IFLA_BR_MCAST_STARTUP_QUERY_CNT = 29;
export const IFLA_BR_MCAST_LAST_MEMBER_INTVL = 30;
export const IFLA_BR_MCAST_MEMBERSHIP_INTVL = 31;
export const IFLA_BR_MCAST_QUERIER_INTVL = 32;
export const IFLA_BR_MCAST_QUERY_INTVL = 33;
export const IFLA_BR_MCAST_QUERY_RESPONSE_INTVL = 34;
export const IFLA_BR_MCAST_STARTUP_QUERY_INTVL = 35;
export const IFLA_BR_NF_CALL_IPTABLES = 36;
export const IFLA_BR_NF_CALL_IP6TABLES = 37;
export const IFLA_BR_NF_CALL_ARPTABLES = 38;
export const IFLA_BR_VLAN_DEFAULT_PVID = 39;
export const IFLA_BR_PAD = 40;
export const IFLA_BR_VLAN_STATS_ENABLED = 41;
export const IFLA_BR_MCAST_STATS_ENABLED = 42;
export const IFLA_BR_MCAST_IGMP_VERSION = 43;
export const IFLA_BR_MCAST_MLD_VERSION = 44;
export const IFLA_BR_VLAN_STATS_PER_PORT = 45;
export const IFLA_BR_MULTI_BOOLOPT = 46;
export const IFLA_BR_MCAST_QUERIER_STATE = 47;

// IFLA_INFO_SLAVE_DATA of a bridge port (and IFLA_PROTINFO of AF_BRIDGE)
export const IFLA_BRPORT_UNSPEC = 0;
export const IFLA_BRPORT_STATE = 1;
export const IFLA_BRPORT_PRIORITY = 2;
export const IFLA_BRPORT_COST = 3;
export const IFLA_BRPORT_MODE = 4;
export const IFLA_BRPORT_GUARD = 5;
export const IFLA_BRPORT_PROTECT = 6;
export const IFLA_BRPORT_FAST_LEAVE = 7;
export const IFLA_BRPORT_LEARNING = 8;
export const IFLA_BRPORT_UNICAST_FLOOD = 9;
export const IFLA_BRPORT_PROXYARP = 10;
export const IFLA_BRPORT_LEARNING_SYNC = 11;
export const IFLA_BRPORT_PROXYARP_WIFI = 12;
export const IFLA_BRPORT_ROOT_ID = 13;
export const IFLA_BRPORT_BRIDGE_ID = 14;
export const IFLA_BRPORT_DESIGNATED_PORT = 15;
export const IFLA_BRPORT_DESIGNATED_COST = 16;
export const IFLA_BRPORT_ID = 17;
export const IFLA_BRPORT_NO = 18;
export const IFLA_BRPORT_TOPOLOGY_CHANGE_ACK = 19;
export const IFLA_BRPORT_CONFIG_PENDING = 20;
export const IFLA_BRPORT_MESSAGE_AGE_TIMER = 21;
export const IFLA_BRPORT_FORWARD_DELAY_TIMER = 22;
export const IFLA_BRPORT_HOLD_TIMER = 23;
export const IFLA_BRPORT_FLUSH = 24;
export const IFLA_BRPORT_MULTICAST_ROUTER = 25;
export const IFLA_BRPORT_PAD = 26;
export const IFLA_BRPORT_MCAST_FLOOD = 27;
export const IFLA_BRPORT_MCAST_TO_UCAST = 28;
export const IFLA_BRPORT_VLAN_TUNNEL = 29;
export const IFLA_BRPORT_BCAST_FLOOD = 30;
export const IFLA_BRPORT_GROUP_FWD_MASK = 31;
export const IFLA_BRPORT_NEIGH_SUPPRESS = 32;
export const IFLA_BRPORT_ISOLATED = 33;
export const IFLA_BRPORT_BACKUP_PORT = 34;
export const IFLA_BRPORT_MRP_RING_OPEN = 35;
export const IFLA_BRPORT_MRP_IN_OPEN = 36;
export const IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT = 37;
export const IFLA_BRPORT_MCAST_EHT_HOSTS_CNT = 38;
export const IFLA_BRPORT_LOCKED = 39;

// IFLA_INFO_DATA of a macvlan
export const IFLA_MACVLAN_UNSPEC = 0;
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const IFLA_MACVLAN_MACADDR_MODE = 3;
export const IFLA_MACVLAN_MACADDR = 4;
export const IFLA_MACVLAN_MACADDR_DATA = 5;
export const IFLA_MACVLAN_MACADDR_COUNT = 6;
export const IFLA_MACVLAN_BC_QUEUE_LEN = 7;
export const IFLA_MACVLAN_BC_QUEUE_LEN_USED = 8;

// enum macvlan_mode
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
export const MACVLAN_MODE_SOURCE = 16;
export const MACVLAN_FLAG_NOPROMISC = 1;
export const MACVLAN_FLAG_NODST = 2;

// IFLA_INFO_DATA of a vxlan
export const IFLA_VXLAN_UNSPEC = 0;
export const IFLA_VXLAN_ID = 1;
export const IFLA_VXLAN_GROUP = 2;
export const IFLA_VXLAN_LINK = 3;
export const IFLA_VXLAN_LOCAL = 4;
export const IFLA_VXLAN_TTL = 5;
export const IFLA_VXLAN_TOS = 6;
export const IFLA_VXLAN_LEARNING = 7;
export const IFLA_VXLAN_AGEING = 8;
export const IFLA_VXLAN_LIMIT = 9;
export const IFLA_VXLAN_PORT_RANGE = 10;
export const IFLA_VXLAN_PROXY = 11;
export const IFLA_VXLAN_RSC = 12;
export const IFLA_VXLAN_L2MISS = 13;
export const IFLA_VXLAN_L3MISS = 14;
export const IFLA_VXLAN_PORT = 15;
export const IFLA_VXLAN_GROUP6 = 16;
export const IFLA_VXLAN_LOCAL6 = 17;
export const IFLA_VXLAN_UDP_CSUM = 18;
export const IFLA_VXLAN_UDP_ZERO_CSUM6_TX = 19;
export const IFLA_VXLAN_UDP_ZERO_CSUM6_RX = 20;
export const IFLA_VXLAN_REMCSUM_TX = 21;
export const IFLA_VXLAN_REMCSUM_RX = 22;
export const IFLA_VXLAN_GBP = 23;
export const IFLA_VXLAN_REMCSUM_NOPARTIAL = 24;
export const IFLA_VXLAN_COLLECT_METADATA = 25;
export const IFLA_VXLAN_LABEL = 26;
export const IFLA_VXLAN_GPE = 27;
export const IFLA_VXLAN_TTL_INHERIT = 28;
export const IFLA_VXLAN_DF = 29;
export const IFLA_VXLAN_VNIFILTER = 30;

// linux/if_addr.h: address attributes
export const IFA_UNSPEC = 0;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_TARGET_NETNSID = 10;
export const IFA_PROTO = 11;

// ifa_flags (IFA_FLAGS carries the 32-bit form)
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_TEMPORARY = IFA_F_SECONDARY;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;

// linux/neighbour.h: neighbour attributes
export const NDA_UNSPEC = 0;
export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_VLAN = 5;
export const NDA_PORT = 6;
export const NDA_VNI = 7;
export const NDA_IFINDEX = 8;
export const NDA_MASTER = 9;
export const NDA_LINK_NETNSID = 10;
export const NDA_SRC_VNI = 11;
export const NDA_PROTOCOL = 12;
export const NDA_NH_ID = 13;
export const NDA_FDB_EXT_ATTRS = 14;
export const NDA_FLAGS_EXT = 15;
export const NDA_NDM_STATE_MASK = 16;
export const NDA_NDM_FLAGS_MASK = 17;

// ndm_state
export const NUD_NONE = 0x00;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;

// ndm_flags
export const NTF_USE = 1 << 0;
export const NTF_SELF = 1 << 1;
export const NTF_MASTER = 1 << 2;
export const NTF_PROXY = 1 << 3;
export const NTF_EXT_LEARNED = 1 << 4;
export const NTF_OFFLOADED = 1 << 5;
export const NTF_STICKY = 1 << 6;
export const NTF_ROUTER = 1 << 7;

// IFLA_AF_SPEC of an AF_BRIDGE link message (linux/if_bridge.h): bridge port VLANs.
export const IFLA_BRIDGE_FLAGS = 0;
export const IFLA_BRIDGE_MODE = 1;
export const IFLA_BRIDGE_VLAN_INFO = 2;
export const BRIDGE_FLAGS_MASTER = 1;
export const BRIDGE_FLAGS_SELF = 2;
export const BRIDGE_VLAN_INFO_MASTER = 1 << 0;
export const BRIDGE_VLAN_INFO_PVID = 1 << 1;
export const BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 1 << 3;
export const BRIDGE_VLAN_INFO_RANGE_END = 1 << 4;
