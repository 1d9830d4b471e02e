/**
 * Kernel constants for nfnetlink, nf_tables set elements and ctnetlink, spelled as in the
 * uapi headers (linux/netfilter/nfnetlink.h, nf_tables.h, nfnetlink_conntrack.h,
 * linux/netfilter.h). Enums are written out so a number here can be found there.
 */

// linux/netfilter/nfnetlink.h
export const NFNETLINK_V0 = 0;
/** struct nfgenmsg { __u8 nfgen_family; __u8 version; __be16 res_id; } */
export const NFGENMSG_LEN = 4;
export const NFNL_SUBSYS_CTNETLINK = 1;
export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_MSG_BATCH_BEGIN = 0x10; // NLMSG_MIN_TYPE
export const NFNL_MSG_BATCH_END = 0x11;

/** The nlmsg_type of message `msg` of subsystem `subsys`. */
export function nfnlMsgType(subsys: number, msg: number): number {
  return (subsys << 8) | msg;
}

// linux/netfilter.h: enum nfproto
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;

// nf_tables.h: enum nf_tables_msg_types (the ones berth sends)
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFT_MSG_DELCHAIN = 5;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_GETRULE = 7;
export const NFT_MSG_DELRULE = 8;
export const NFT_MSG_NEWSET = 9;
export const NFT_MSG_GETSET = 10;
export const NFT_MSG_DELSET = 11;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;
export const NFT_MSG_DELSETELEM = 14;
/** Like DELSETELEM, but an absent element is not an error (kernel 6.3+). */
export const NFT_MSG_DESTROYSETELEM = 30;

// enum nft_set_flags
export const NFT_SET_ANONYMOUS = 0x1;
export const NFT_SET_CONSTANT = 0x2;
export const NFT_SET_INTERVAL = 0x4;
export const NFT_SET_MAP = 0x8;
export const NFT_SET_TIMEOUT = 0x10;
export const NFT_SET_CONCAT = 0x80;

// enum nft_set_attributes
export const NFTA_SET_TABLE = 1;
export const NFTA_SET_NAME = 2;
export const NFTA_SET_FLAGS = 3;
export const NFTA_SET_KEY_TYPE = 4;
export const NFTA_SET_KEY_LEN = 5;
export const NFTA_SET_DATA_TYPE = 6;
export const NFTA_SET_DATA_LEN = 7;
export const NFTA_SET_ID = 10;
export const NFTA_SET_USERDATA = 13;

/**
 * nft's userdata on a set (libnftnl's enum nftnl_udata_set_types): TLVs of one type byte, one
 * length byte, then the value. nft 1.0.6 writes the key's byte order (a host-order u32 of
 * nft's enum byteorder) on every set it declares; `nft list` reads it back to print keys.
 */
export const NFTNL_UDATA_SET_KEYBYTEORDER = 0;
export const NFT_BYTEORDER_HOST_ENDIAN = 1;
export const NFT_BYTEORDER_BIG_ENDIAN = 2;

// enum nft_chain_attributes
export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_HANDLE = 2;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_CHAIN_HOOK = 4;
export const NFTA_CHAIN_POLICY = 5;
export const NFTA_CHAIN_USE = 6;
export const NFTA_CHAIN_TYPE = 7;
export const NFTA_CHAIN_FLAGS = 10;

// enum nft_rule_attributes
export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;
export const NFTA_RULE_HANDLE = 3;
export const NFTA_RULE_EXPRESSIONS = 4;
export const NFTA_RULE_USERDATA = 7;

/** nft's userdata on a rule (libnftnl's NFTNL_UDATA_RULE_COMMENT): the comment, NUL-terminated. */
export const NFTNL_UDATA_RULE_COMMENT = 0;
/** Longest comment nft accepts (NFTNL_UDATA_COMMENT_MAXLEN), NUL included. */
export const NFTNL_UDATA_COMMENT_MAXLEN = 128;

// enum nft_expr_attributes
export const NFTA_EXPR_NAME = 1;
export const NFTA_EXPR_DATA = 2;

// enum nft_registers: the verdict register and the first 16-byte data register
export const NFT_REG_VERDICT = 0;
export const NFT_REG_1 = 1;

// enum nft_meta_attributes, enum nft_meta_keys (the ones berth matches)
export const NFTA_META_DREG = 1;
export const NFTA_META_KEY = 2;
export const NFTA_META_SREG = 3;
export const NFT_META_IIFNAME = 6;
export const NFT_META_OIFNAME = 7;
export const NFT_META_NFPROTO = 15;

// enum nft_cmp_attributes, enum nft_cmp_ops
export const NFTA_CMP_SREG = 1;
export const NFTA_CMP_OP = 2;
export const NFTA_CMP_DATA = 3;
export const NFT_CMP_EQ = 0;
export const NFT_CMP_NEQ = 1;

// enum nft_payload_attributes, enum nft_payload_bases
export const NFTA_PAYLOAD_DREG = 1;
export const NFTA_PAYLOAD_BASE = 2;
export const NFTA_PAYLOAD_OFFSET = 3;
export const NFTA_PAYLOAD_LEN = 4;
export const NFT_PAYLOAD_LL_HEADER = 0;
export const NFT_PAYLOAD_NETWORK_HEADER = 1;
export const NFT_PAYLOAD_TRANSPORT_HEADER = 2;

// enum nft_bitwise_attributes (NFTA_BITWISE_OP absent means a mask-and-xor)
export const NFTA_BITWISE_SREG = 1;
export const NFTA_BITWISE_DREG = 2;
export const NFTA_BITWISE_LEN = 3;
export const NFTA_BITWISE_MASK = 4;
export const NFTA_BITWISE_XOR = 5;
export const NFTA_BITWISE_OP = 6;
export const NFT_BITWISE_BOOL = 0;

// enum nft_lookup_attributes, enum nft_lookup_flags
export const NFTA_LOOKUP_SET = 1;
export const NFTA_LOOKUP_SREG = 2;
export const NFTA_LOOKUP_DREG = 3;
export const NFTA_LOOKUP_SET_ID = 4;
export const NFTA_LOOKUP_FLAGS = 5;
export const NFT_LOOKUP_F_INV = 1;

// enum nft_immediate_attributes
export const NFTA_IMMEDIATE_DREG = 1;
export const NFTA_IMMEDIATE_DATA = 2;

// enum nft_masq_attributes
export const NFTA_MASQ_FLAGS = 1;

// enum nft_set_elem_flags
export const NFT_SET_ELEM_INTERVAL_END = 0x1;
export const NFT_SET_ELEM_CATCHALL = 0x2;

// enum nft_set_elem_attributes
export const NFTA_SET_ELEM_KEY = 1;
export const NFTA_SET_ELEM_DATA = 2;
export const NFTA_SET_ELEM_FLAGS = 3;
export const NFTA_SET_ELEM_TIMEOUT = 4;
export const NFTA_SET_ELEM_EXPIRATION = 5;
export const NFTA_SET_ELEM_USERDATA = 6;
export const NFTA_SET_ELEM_KEY_END = 10;

// enum nft_set_elem_list_attributes
export const NFTA_SET_ELEM_LIST_TABLE = 1;
export const NFTA_SET_ELEM_LIST_SET = 2;
export const NFTA_SET_ELEM_LIST_ELEMENTS = 3;

// enum nft_list_attributes
export const NFTA_LIST_ELEM = 1;

// enum nft_data_attributes, enum nft_verdict_attributes
export const NFTA_DATA_VALUE = 1;
export const NFTA_DATA_VERDICT = 2;
export const NFTA_VERDICT_CODE = 1;
export const NFTA_VERDICT_CHAIN = 2;

// Verdict codes: netfilter's NF_DROP/NF_ACCEPT and enum nft_verdicts
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NFT_CONTINUE = -1;
export const NFT_BREAK = -2;
export const NFT_JUMP = -3;
export const NFT_GOTO = -4;
export const NFT_RETURN = -5;
/** NFT_DATA_VERDICT: the data type of a verdict map (NFTA_SET_DATA_TYPE). */
export const NFT_DATA_VERDICT = 0xffffff00;

/** Largest key or data value (NFT_DATA_VALUE_MAXLEN). */
export const NFT_DATA_VALUE_MAXLEN = 64;

/**
 * nft's userdata on a set element (libnftnl's NFTNL_UDATA_SET_ELEM_FLAGS holding
 * NFTNL_SET_ELEM_F_INTERVAL_OPEN): marks an interval that runs to the end of the key space,
 * so that `nft list` prints it as the prefix or range it was added as.
 */
export const NFTNL_UDATA_SET_ELEM_FLAGS = 1;
export const NFTNL_SET_ELEM_F_INTERVAL_OPEN = 0x1;

// linux/netfilter/nfnetlink_conntrack.h: enum cntl_msg_types
export const IPCTNL_MSG_CT_NEW = 0;
export const IPCTNL_MSG_CT_GET = 1;
export const IPCTNL_MSG_CT_DELETE = 2;

// enum ctattr_type
export const CTA_TUPLE_ORIG = 1;
export const CTA_TUPLE_REPLY = 2;
export const CTA_STATUS = 3;
export const CTA_PROTOINFO = 4;
export const CTA_TIMEOUT = 7;
export const CTA_MARK = 8;
export const CTA_ID = 12;
export const CTA_ZONE = 18;

// enum ctattr_tuple, ctattr_ip, ctattr_l4proto
export const CTA_TUPLE_IP = 1;
export const CTA_TUPLE_PROTO = 2;
export const CTA_TUPLE_ZONE = 3;
export const CTA_IP_V4_SRC = 1;
export const CTA_IP_V4_DST = 2;
export const CTA_IP_V6_SRC = 3;
export const CTA_IP_V6_DST = 4;
export const CTA_PROTO_NUM = 1;
export const CTA_PROTO_SRC_PORT = 2;
export const CTA_PROTO_DST_PORT = 3;

// IP protocol numbers
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
