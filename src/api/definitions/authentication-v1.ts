// Schema of authentication.k8s.io/v1 SelfSubjectReview, which `kubectl auth whoami` POSTs.
// Field numbers follow k8s.io/api/authentication/v1/generated.proto.
import { array, item, map, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const AUTHN = 'io.k8s.api.authentication.v1';

registerDefinitions({
  [`${AUTHN}.SelfSubjectReview`]: {
    description: 'Asks who the current user is, as the server authenticated them.',
    gvk: [{ group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      status: ref(`${AUTHN}.SelfSubjectReviewStatus`, 2, 'The answer, filled in by the server.'),
    },
  },
  [`${AUTHN}.SelfSubjectReviewStatus`]: {
    description: 'The user the request was authenticated as.',
    fields: { userInfo: ref(`${AUTHN}.UserInfo`, 1, 'The authenticated user.') },
  },
  [`${AUTHN}.UserInfo`]: {
    description: 'A user: name, uid, groups and extra attributes.',
    fields: {
      username: string(1, 'The name of the user.'),
      uid: string(2, 'A unique value that identifies the user across time.'),
      groups: array(item.string, 3, 'The groups the user is in.'),
      extra: map({ type: 'array', items: item.string }, 4, 'Extra attributes from the authenticator.'),
    },
  },
});
