// ssh.key: an SSH private key exists on the student's computer, only its owner can read it, and its
// public half sits beside it (what the student pastes into Bitbucket and EC2). Offline: nothing
// leaves the machine; the key is parsed by the same code as aws.ec2.keypair (lib/aws/keyfp.ts).
import { readFile, stat } from 'node:fs/promises';
import { defineKind } from './kind.js';
import { Failure } from '../errors.js';
import { localPath, orList, withNetid } from '../aws/values.js';
import { KeyProblem, readLocalKey } from '../aws/keyfp.js';

export interface SshKeyParams {
  files?: string[];
}

const DEFAULT_FILES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
const MAX_KEY_BYTES = 64 * 1024;

export default defineKind<SshKeyParams>({
  kind: 'ssh.key',
  needs: 'machine',
  title: (p) => `You have an SSH key (${orList(p.files ?? DEFAULT_FILES)}) that only you can read`,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      files: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description:
          'Private key files to look for, the first that exists is checked; `~` is the home folder, `{netid}` the NetID. Default: ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa, ~/.ssh/id_rsa.',
      },
    },
  },
  async run(ctx, p) {
    const shownAll = (p.files ?? DEFAULT_FILES).map((f) => withNetid(f, ctx));
    let found: { shown: string; abs: string; mode: number; size: number } | undefined;
    for (const shown of shownAll) {
      const abs = localPath(shown, ctx);
      const st = await stat(abs).catch(() => undefined);
      if (st?.isFile()) {
        found = { shown, abs, mode: st.mode & 0o777, size: st.size };
        break;
      }
    }
    if (!found) {
      throw new Failure({
        code: 'missing',
        rationale: `No SSH private key found (looked for ${orList(shownAll)}).`,
        hint: `Make one with: ssh-keygen -t ed25519 -f ${shownAll[0]}   (press Enter for the default, and choose a passphrase)`,
      });
    }
    const { shown, abs, mode } = found;
    const pub = await readFile(`${abs}.pub`).catch(() => undefined);
    if (found.size > MAX_KEY_BYTES) throw notAKey(shown);
    try {
      await readLocalKey(await readFile(abs), shown, pub);
    } catch (e) {
      if (!(e instanceof KeyProblem)) throw e;
      if (e.code === 'public-key')
        throw new Failure({
          code: 'public-not-private',
          rationale: `${shown} holds a public key where the private key should be.`,
          hint: `Keep the private key as ${shown} and the public key as ${shown}.pub; if they were swapped, make a new pair with ssh-keygen.`,
        });
      if (e.code === 'not-a-key') throw notAKey(shown);
      // encrypted with no .pub: reported below, after the mode
    }
    // Windows keeps ACLs rather than Unix modes; ssh there checks those itself.
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new Failure({
        code: 'mode',
        rationale: `${shown} can be read by other users of this computer (mode ${mode.toString(8)}), so ssh refuses to use it.`,
        hint: `Run: chmod 600 ${shown}`,
        expected: 'mode 600 (or 400)',
        actual: `mode ${mode.toString(8)}`,
      });
    }
    if (!pub) {
      throw new Failure({
        code: 'no-public',
        rationale: `${shown} has no public half beside it (${shown}.pub), which is what you give Bitbucket and EC2.`,
        hint: `Write it with: ssh-keygen -y -f ${shown} > ${shown}.pub`,
      });
    }
    return { note: `${shown} (mode ${mode.toString(8)})` };
  },
});

const notAKey = (shown: string) =>
  new Failure({
    code: 'not-a-key',
    rationale: `${shown} is not an SSH private key.`,
    hint: `Move it aside and make a new key: ssh-keygen -t ed25519 -f ${shown}`,
  });
