// What the inventory agent reports for the x86-pc fixture tree (test/fixtures/agent/x86-pc), as agent.test.ts proves.

export const x86PcFacts = {
  hostname: 'nuc-1',
  kernel: '6.1.0-18-amd64',
  cmdline: 'BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=4f1c9d6e-2b7a-4c55-9e0e-1d2c3b4a5f60 ro quiet bramble.machine=94-c6-91-aa-bb-01',
  cpu: { model: 'Intel(R) Core(TM) i5-8259U CPU @ 2.30GHz', cores: 4, threads: 8 },
  memoryBytes: 16259904 * 1024,
  disks: [
    { name: 'nvme0n1', sizeBytes: 1953525168 * 512, model: 'Samsung SSD 970 EVO Plus 1TB', rotational: false, removable: false },
    { name: 'sda', sizeBytes: 7814037168 * 512, model: 'ST4000DM004-2CV1', rotational: true, removable: false },
    { name: 'sdb', sizeBytes: 60063744 * 512, model: 'Ultra Fit', rotational: true, removable: true },
  ],
  nics: [
    { name: 'eno1', mac: '94:c6:91:aa:bb:01', speedMbps: 1000, driver: 'e1000e' },
    { name: 'wlp0s20f3', mac: 'a0:51:0b:12:34:56', driver: 'iwlwifi' },
  ],
  manufacturer: 'Intel(R) Client Systems',
  product: 'NUC8i5BEH',
  serial: 'G6BE12345678',
  uuid: 'b3c5e8a0-1d2e-4f3a-9b8c-94c691aabb01',
  boardManufacturer: 'Intel Corporation',
  boardProduct: 'NUC8BEB',
  biosVersion: 'BECFL357.86A.0087.2020.1209.1115',
} as const;
