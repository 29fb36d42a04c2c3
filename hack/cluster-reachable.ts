// Exit 0 when the current kubeconfig points at an apiserver that answers /version within 5 s.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';

const kc = new KubeConfig();
try {
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error('no current cluster in the kubeconfig');
  const version = await Promise.race([
    kc.makeApiClient(VersionApi).getCode(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), 5_000)),
  ]);
  console.error(`cluster ${kc.getCurrentCluster()?.server} answers (Kubernetes ${version.gitVersion})`);
  process.exit(0);
} catch (err) {
  console.error(`no reachable cluster: ${(err as Error).message}`);
  process.exit(1);
}
