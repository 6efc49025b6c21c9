import { describe, expect, it } from 'vitest';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { pyenvTarget, resolvePython } from '../lib/util/python.js';
import { tempDir } from './helpers/fixture.js';

async function pyenv(files: Record<string, string>) {
  const root = await tempDir({
    'shims/python3': '#!/bin/sh\n',
    'versions/3.11.7/bin/python3': '#!/bin/sh\n',
    'versions/3.9.1/bin/python3': '#!/bin/sh\n',
    ...files,
  });
  for (const f of ['shims/python3', 'versions/3.11.7/bin/python3', 'versions/3.9.1/bin/python3']) await chmod(path.join(root, f), 0o755);
  return root;
}

describe('python3 through a pyenv shim', () => {
  it('follows the global version file', async () => {
    const root = await pyenv({ version: '3.11.7\n' });
    expect(pyenvTarget(path.join(root, 'shims/python3'), {}, '/')).toBe(path.join(root, 'versions/3.11.7/bin/python3'));
  });

  it('a .python-version in the folder or above wins over the global file', async () => {
    const root = await pyenv({ version: '3.11.7\n', 'proj/.python-version': '# pinned\n3.9.1\n', 'proj/sub/x': '' });
    expect(pyenvTarget(path.join(root, 'shims/python3'), {}, path.join(root, 'proj/sub'))).toBe(
      path.join(root, 'versions/3.9.1/bin/python3'),
    );
  });

  it('PYENV_VERSION wins over both; the first version that has the command is used', async () => {
    const root = await pyenv({ version: '3.11.7\n' });
    expect(pyenvTarget(path.join(root, 'shims/python3'), { PYENV_VERSION: '3.12.0:3.9.1' }, '/')).toBe(
      path.join(root, 'versions/3.9.1/bin/python3'),
    );
  });

  it('leaves the choice to the shim for "system", unknown versions, or a non-shim python', async () => {
    const root = await pyenv({ version: 'system\n' });
    expect(pyenvTarget(path.join(root, 'shims/python3'), {}, '/')).toBeUndefined();
    expect(pyenvTarget(path.join(root, 'shims/python3'), { PYENV_VERSION: '3.99' }, '/')).toBeUndefined();
    expect(pyenvTarget('/usr/bin/python3', {}, '/')).toBeUndefined();
  });

  it('resolvePython honours HARNESS_PYTHON, and finds python3 on PATH', async () => {
    expect(resolvePython({ HARNESS_PYTHON: '/opt/py/bin/python3' })).toBe('/opt/py/bin/python3');
    const root = await pyenv({ version: '3.11.7\n' });
    expect(resolvePython({ PATH: path.join(root, 'shims') }, '/')).toBe(path.join(root, 'versions/3.11.7/bin/python3'));
    expect(resolvePython({ PATH: '/nonexistent' })).toBe('python3');
  });
});
