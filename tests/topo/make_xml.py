#!/usr/bin/env python3
"""Writes the hand-designed hwloc v2 test topologies of tests/topo/ (run once; the XML files are
checked in).  Usage: make_xml.py OUTDIR.

node8gpu.xml  two packages, PUs interleaved between them (0,2,4,6 | 1,3,5,7), one NUMA node each;
              package 0: host bridge 00 -> PCIe switch (3 downstream ports: GPU0, GPU1, mlx5_0)
                         plus mlx5_1 directly on that host bridge;
                         host bridge 20 -> one bridge with GPU2, GPU3 and mlx5_2 directly below;
                         host bridge 30 -> onboard Ethernet eth0 and an ASPEED BMC VGA (no GPU);
              package 1: host bridge 80 -> PCIe switch with GPU4..GPU7 and no NIC (SYS).
node1pkg.xml  one package, 4 cores x 2 PUs (SMT siblings n and n+4), one NUMA node;
              host bridge 00 -> bridge -> GPU0 (NVIDIA L4), bridge -> eth0 (PHB), NVMe disk;
              host bridge 40 -> eth1 (NODE).
"""
import sys

MIB = 1 << 20
gp = [0]


def gpi():
    gp[0] += 1
    return gp[0]


def mask(pus):
    v = 0
    for p in pus:
        v |= 1 << p
    return "0x%08x" % v


def sets(pus, nodes):
    c, n = mask(pus), mask(nodes)
    return ('cpuset="%s" complete_cpuset="%s" nodeset="%s" complete_nodeset="%s"' % (c, c, n, n))


def pcidev(ind, busid, cls, vendor, device, link, osdevs=()):
    s = ind + ('<object type="PCIDev" gp_index="%d" pci_busid="%s" pci_type="%s [%s:%s] [%s:0000] a1" '
               'pci_link_speed="%.6f"' % (gpi(), busid, cls, vendor, device, vendor, link))
    if not osdevs:
        return s + "/>\n"
    s += ">\n"
    for name, t in osdevs:
        s += ind + '  <object type="OSDev" gp_index="%d" name="%s" osdev_type="%d"/>\n' % (gpi(), name, t)
    return s + ind + "</object>\n"


def bridge(ind, busid, sec, sub, children, depth):
    s = ind + ('<object type="Bridge" gp_index="%d" bridge_type="1-1" depth="%d" bridge_pci="0000:[%02x-%02x]" '
               'pci_busid="%s" pci_type="0604 [10b5:8796] [0000:0000] ab" pci_link_speed="31.507692">\n'
               % (gpi(), depth, sec, sub, busid))
    s += "".join(children)
    return s + ind + "</object>\n"


def hostbridge(ind, sec, sub, children):
    s = ind + ('<object type="Bridge" gp_index="%d" bridge_type="0-1" depth="0" bridge_pci="0000:[%02x-%02x]">\n'
               % (gpi(), sec, sub))
    s += "".join(children)
    return s + ind + "</object>\n"


NET, OFED, BLOCK = 2, 3, 0
H100 = ("0302", "10de", "2330", 31.507692)


def cores(ind, pu_lists, l2=1 * MIB):
    s = ""
    for i, pus in enumerate(pu_lists):
        s += ind + '<object type="L2Cache" gp_index="%d" %s cache_size="%d" depth="2" cache_linesize="64" cache_associativity="8" cache_type="0">\n' % (gpi(), sets(pus, [0]), l2)
        s += ind + '  <object type="Core" gp_index="%d" os_index="%d" %s>\n' % (gpi(), i, sets(pus, [0]))
        for p in pus:
            s += ind + '    <object type="PU" gp_index="%d" os_index="%d" %s/>\n' % (gpi(), p, sets([p], [0]))
        s += ind + "  </object>\n" + ind + "</object>\n"
    return s


def fix_nodesets(text, node, pus):
    return text


def package(ind, os_index, pus, node, cores_pus, io, l3=32 * MIB, mem=64 << 30):
    s = ind + '<object type="Package" gp_index="%d" os_index="%d" %s>\n' % (gpi(), os_index, sets(pus, [node]))
    s += ind + '  <object type="NUMANode" gp_index="%d" os_index="%d" %s local_memory="%d"/>\n' % (gpi(), node, sets(pus, [node]), mem)
    s += ind + '  <object type="L3Cache" gp_index="%d" %s cache_size="%d" depth="3" cache_linesize="64" cache_associativity="16" cache_type="0">\n' % (gpi(), sets(pus, [node]), l3)
    s += cores(ind + "    ", cores_pus).replace('nodeset="0x00000001"', 'nodeset="%s"' % mask([node]))
    s += ind + "  </object>\n"
    s += "".join(io)
    return s + ind + "</object>\n"


def document(machine_pus, nodes, body):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n<topology version="2.0">\n'
            '  <object type="Machine" gp_index="%d" os_index="0" %s allowed_cpuset="%s" allowed_nodeset="%s">\n'
            '    <info name="DMIProductName" value="llmbench test node"/>\n' % (gpi(), sets(machine_pus, nodes), mask(machine_pus), mask(nodes))
            + body + "  </object>\n</topology>\n")


def node8gpu():
    gp[0] = 0
    i6 = " " * 6
    sw0 = bridge(i6 + "  ", "0000:10:00.0", 0x11, 0x14, [
        bridge(i6 + "    ", "0000:11:00.0", 0x12, 0x12, [pcidev(i6 + "      ", "0000:12:00.0", *H100)], 2),
        bridge(i6 + "    ", "0000:11:01.0", 0x13, 0x13, [pcidev(i6 + "      ", "0000:13:00.0", *H100)], 2),
        bridge(i6 + "    ", "0000:11:02.0", 0x14, 0x14, [pcidev(i6 + "      ", "0000:14:00.0", "0207", "15b3", "101b", 31.507692, [("ib0", NET), ("mlx5_0", OFED)])], 2),
    ], 1)
    hb0 = hostbridge(i6, 0x10, 0x1a, [sw0, pcidev(i6 + "  ", "0000:1a:00.0", "0207", "15b3", "101b", 31.507692, [("ib1", NET), ("mlx5_1", OFED)])])
    hb1 = hostbridge(i6, 0x20, 0x21, [bridge(i6 + "  ", "0000:20:00.0", 0x21, 0x21, [
        pcidev(i6 + "    ", "0000:21:00.0", *H100),
        pcidev(i6 + "    ", "0000:21:01.0", *H100),
        pcidev(i6 + "    ", "0000:21:02.0", "0207", "15b3", "101b", 31.507692, [("ib2", NET), ("mlx5_2", OFED)]),
    ], 1)])
    hb2 = hostbridge(i6, 0x30, 0x31, [
        pcidev(i6 + "  ", "0000:30:00.0", "0200", "8086", "1563", 7.876923, [("eth0", NET)]),
        bridge(i6 + "  ", "0000:30:01.0", 0x31, 0x31, [pcidev(i6 + "    ", "0000:31:00.0", "0300", "1a03", "2000", 0.0)], 1),
    ])
    sw1 = bridge(i6 + "  ", "0000:80:00.0", 0x81, 0x85, [
        bridge(i6 + "    ", "0000:81:%02x.0" % k, 0x82 + k, 0x82 + k, [pcidev(i6 + "      ", "0000:%02x:00.0" % (0x82 + k), *H100)], 2)
        for k in range(4)], 1)
    hb3 = hostbridge(i6, 0x80, 0x85, [sw1])
    p0 = package("    ", 0, [0, 2, 4, 6], 0, [[0], [2], [4], [6]], [hb0, hb1, hb2])
    p1 = package("    ", 1, [1, 3, 5, 7], 1, [[1], [3], [5], [7]], [hb3])
    return document(range(8), [0, 1], p0 + p1)


def node1pkg():
    gp[0] = 0
    i6 = " " * 6
    hb0 = hostbridge(i6, 0x00, 0x03, [
        bridge(i6 + "  ", "0000:00:01.0", 0x01, 0x01, [pcidev(i6 + "    ", "0000:01:00.0", "0302", "10de", "27b8", 15.753846)], 1),
        bridge(i6 + "  ", "0000:00:02.0", 0x02, 0x02, [pcidev(i6 + "    ", "0000:02:00.0", "0200", "14e4", "16d7", 7.876923, [("eth0", NET)])], 1),
        bridge(i6 + "  ", "0000:00:03.0", 0x03, 0x03, [pcidev(i6 + "    ", "0000:03:00.0", "0108", "144d", "a80a", 7.876923, [("nvme0n1", BLOCK)])], 1),
    ])
    hb1 = hostbridge(i6, 0x40, 0x41, [pcidev(i6 + "  ", "0000:41:00.0", "0200", "8086", "1572", 7.876923, [("eth1", NET)])])
    p0 = package("    ", 0, range(8), 0, [[0, 4], [1, 5], [2, 6], [3, 7]], [hb0, hb1], mem=128 << 30)
    return document(range(8), [0], p0)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, fn in (("node8gpu.xml", node8gpu), ("node1pkg.xml", node1pkg)):
        with open("%s/%s" % (out, name), "w") as f:
            f.write(fn())
