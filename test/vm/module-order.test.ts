// Tests for module load order, on an excerpt of Debian 6.1.0-56-amd64's real modules.dep.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { moduleLoadOrder, moduleName, parseModulesDep } from './module-order.js';

const dep = parseModulesDep(readFileSync('test/fixtures/vm/modules.dep-6.1.0-56-amd64.excerpt', 'utf8'));

/** Every module appears after all the modules it depends on. */
function assertDepsFirst(order: readonly string[]): void {
  for (const [i, path] of order.entries()) {
    for (const d of dep.get(moduleName(path))!.deps) {
      const at = order.indexOf(d);
      assert.ok(at >= 0 && at < i, `${d} must load before ${path}`);
    }
  }
}

test('moduleName strips folders and suffixes and treats - as _', () => {
  const cases: Array<[string, string]> = [
    ['kernel/drivers/net/virtio_net.ko', 'virtio_net'],
    ['kernel/drivers/net/virtio_net.ko.xz', 'virtio_net'],
    ['kernel/drivers/hid/hid-generic.ko.zst', 'hid_generic'],
    ['e1000.ko', 'e1000'],
  ];
  for (const [path, name] of cases) assert.equal(moduleName(path), name, path);
});

test('load orders put dependencies first and list each module once', () => {
  const cases: Array<[readonly string[], readonly string[]]> = [
    [['e1000'], ['kernel/drivers/net/ethernet/intel/e1000/e1000.ko']],
    [
      ['virtio_net'],
      [
        'kernel/drivers/net/net_failover.ko',
        'kernel/net/core/failover.ko',
        'kernel/drivers/virtio/virtio.ko',
        'kernel/drivers/virtio/virtio_ring.ko',
        'kernel/drivers/net/virtio_net.ko',
      ],
    ],
    [
      ['e1000', 'virtio_net', 'virtio_pci'],
      [
        'kernel/drivers/net/ethernet/intel/e1000/e1000.ko',
        'kernel/drivers/net/net_failover.ko',
        'kernel/net/core/failover.ko',
        'kernel/drivers/virtio/virtio.ko',
        'kernel/drivers/virtio/virtio_ring.ko',
        'kernel/drivers/net/virtio_net.ko',
        'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
        'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
        'kernel/drivers/virtio/virtio_pci.ko',
      ],
    ],
  ];
  for (const [wanted, paths] of cases) {
    const order = moduleLoadOrder(dep, wanted);
    assert.deepEqual([...order].sort(), [...paths].sort(), wanted.join(','));
    assert.equal(new Set(order).size, order.length);
    assertDepsFirst(order);
  }
});

test('names are accepted with - as well as _', () => {
  assert.deepEqual(moduleLoadOrder(dep, ['virtio-pci']), moduleLoadOrder(dep, ['virtio_pci']));
});

test('a missing module or dependency fails with MODULE_MISSING naming it', () => {
  assert.throws(() => moduleLoadOrder(dep, ['no_such_driver']), { code: 'MODULE_MISSING', message: /no_such_driver/ });
  // nfs's dependencies are not in the excerpt.
  assert.throws(() => moduleLoadOrder(dep, ['nfs']), { code: 'MODULE_MISSING', message: /lockd \(needed by nfs\)/ });
});
