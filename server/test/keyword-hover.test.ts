import { afterEach, describe, expect, it } from 'vitest';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

const SRC = `host h {
    kernel 6.12
    iommu u {
        driver intel-vtd
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            no-snoop yes
        }
    }
}

vm v on h {
    backend iommufd-cdev
    assign gpu
}
`;

/** The hover's markdown at the first `at` in SRC, `skip` characters in. */
async function hoverAt(at: string, skip = 1): Promise<string | undefined> {
  const doc = await t.validate(SRC);
  const offset = SRC.indexOf(at) + skip;
  const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset) });
  return h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : undefined;
}

describe('hover on keywords', () => {
  it('a statement keyword shows the doc comment of its grammar rule', async () => {
    expect(await hoverAt('kernel 6.12')).toBe('**kernel** — Mainline kernel release the host boots, `X.Y` or `X.Y.Z`.');
    expect(await hoverAt('backend iommufd')).toBe('**backend** — vfio-type1 (legacy container), iommufd-compat (container emulated by iommufd) or iommufd-cdev (device cdev).');
    expect(await hoverAt('assign gpu')).toBe('**assign** — Devices passed through to the VM, by name or BDF.');
    expect(await hoverAt('no-snoop yes')).toMatch(/^\*\*no-snoop\*\* — PCIe DevCtl "Enable No Snoop"/);
  });

  it('a device kind keyword shows the device, as its name does', async () => {
    expect(await hoverAt('root-port rp')).toMatch(/^\*\*root-port rp\*\* `0000:00:01.0`/);
  });

  it('value keywords and punctuation show nothing', async () => {
    expect(await hoverAt('yes', 1)).toBeUndefined();
    expect(await hoverAt('{\n    backend', 0)).toBeUndefined();
  });
});
