// The iproute2 VF layer: parsing `ip -d -j link show PF` into a snapshot and building `ip link set`.
import { describe, expect, it } from 'vitest';
import { ipLinkSetArgs, parseVfSnapshot } from '../../../src/backends/sriov/vfNetlink.js';

// Shaped like iproute2 6.x output for a PF with two VFs (zero VLAN/QoS and 802.1Q are omitted).
const IP_JSON = JSON.stringify([
  {
    ifindex: 4,
    ifname: 'ens1f0',
    vfinfo_list: [
      {
        vf: 0,
        link_type: 'ether',
        address: '00:00:00:00:00:00',
        broadcast: 'ff:ff:ff:ff:ff:ff',
        vlan_list: [{}],
        rate: { max_tx: 0, min_tx: 0 },
        spoofchk: true,
        link_state: 'auto',
        trust: false,
      },
      {
        vf: 1,
        link_type: 'ether',
        address: '02:AA:00:00:00:01',
        vlan_list: [{ vlan: 100, qos: 3, protocol: '802.1ad' }],
        rate: { max_tx: 1000, min_tx: 10 },
        spoofchk: false,
        link_state: 'enable',
        trust: true,
      },
    ],
  },
]);

describe('parseVfSnapshot', () => {
  it('reads a VF with defaults where iproute2 omits zero values', () => {
    expect(parseVfSnapshot(IP_JSON, 'ens1f0', 0)).toEqual({
      mac: '00:00:00:00:00:00',
      vlan: 0,
      qos: 0,
      vlanProto: '802.1Q',
      minTxRate: 0,
      maxTxRate: 0,
      spoofchk: true,
      trust: false,
      linkState: 'auto',
    });
  });

  it('reads VLAN, QoS, 802.1ad, rates, trust and link state', () => {
    expect(parseVfSnapshot(IP_JSON, 'ens1f0', 1)).toEqual({
      mac: '02:aa:00:00:00:01',
      vlan: 100,
      qos: 3,
      vlanProto: '802.1ad',
      minTxRate: 10,
      maxTxRate: 1000,
      spoofchk: false,
      trust: true,
      linkState: 'enable',
    });
  });

  it('fails with NOT_FOUND for a VF index the PF does not have', () => {
    expect(() => parseVfSnapshot(IP_JSON, 'ens1f0', 7)).toThrow(/no VF 7/);
  });
});

describe('ipLinkSetArgs', () => {
  it('builds one ip link set through the PF with every requested setting', () => {
    expect(
      ipLinkSetArgs('ens1f0', 3, {
        mac: '02:00:00:00:00:01',
        vlan: 100,
        qos: 2,
        vlanProto: '802.1ad',
        minTxRate: 5,
        maxTxRate: 50,
        spoofchk: false,
        trust: true,
        linkState: 'disable',
      }),
    ).toEqual(
      'link set dev ens1f0 vf 3 mac 02:00:00:00:00:01 vlan 100 qos 2 proto 802.1ad min_tx_rate 5 max_tx_rate 50 spoofchk off trust on state disable'.split(
        ' ',
      ),
    );
  });

  it('clears a VLAN without qos or proto, which drivers reject with VLAN 0', () => {
    expect(ipLinkSetArgs('ens1f0', 0, { vlan: 0, qos: 0, vlanProto: '802.1Q' })).toEqual(
      'link set dev ens1f0 vf 0 vlan 0'.split(' '),
    );
  });
});
