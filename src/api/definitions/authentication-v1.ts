// Schema of authentication.k8s.io/v1 SelfSubjectReview, which `kubectl auth whoami` POSTs, and
// TokenRequest, which `kubectl create token` POSTs to serviceaccounts/NAME/token.
// Field numbers follow k8s.io/api/authentication/v1/generated.proto.
import { array, bool, int64, item, map, ref, string, time } from '../schema/dsl.ts';
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
  [`${AUTHN}.TokenRequest`]: {
    description: 'Asks for a token of a service account.',
    gvk: [{ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }],
    required: ['spec'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${AUTHN}.TokenRequestSpec`, 2, 'What the token should be valid for.'),
      status: ref(`${AUTHN}.TokenRequestStatus`, 3, 'The token, filled in by the server.'),
    },
  },
  [`${AUTHN}.TokenRequestSpec`]: {
    description: 'Parameters of a token request.',
    required: ['audiences'],
    fields: {
      audiences: array(item.string, 1, 'Who the token is for; empty means the API server.', { listType: 'atomic' }),
      expirationSeconds: int64(4, 'How long the token should be valid (at least 600 s; default 3600 s).'),
      boundObjectRef: ref(`${AUTHN}.BoundObjectReference`, 3, 'An object the token is valid only as long as.'),
    },
  },
  [`${AUTHN}.TokenRequestStatus`]: {
    description: 'The issued token.',
    required: ['token', 'expirationTimestamp'],
    fields: {
      token: string(1, 'The bearer token.'),
      expirationTimestamp: time(2, 'When the token stops being valid.'),
    },
  },
  [`${AUTHN}.BoundObjectReference`]: {
    description: 'The object a token is bound to.',
    fields: {
      kind: string(1, 'Kind of the object: Pod.'),
      apiVersion: string(2, 'API version of the object.'),
      name: string(3, 'Name of the object.'),
      uid: string(4, 'UID of the object.'),
    },
  },
  [`${AUTHN}.TokenReview`]: {
    description: 'Asks who a token belongs to.',
    gvk: [{ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview' }],
    required: ['spec'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${AUTHN}.TokenReviewSpec`, 2, 'The token and the audiences it should be valid for.'),
      status: ref(`${AUTHN}.TokenReviewStatus`, 3, 'The answer, filled in by the server.'),
    },
  },
  [`${AUTHN}.TokenReviewSpec`]: {
    description: 'A token to authenticate.',
    fields: {
      token: string(1, 'The bearer token.'),
      audiences: array(item.string, 2, 'Audiences the token must be for; empty means the API server.', { listType: 'atomic' }),
    },
  },
  [`${AUTHN}.TokenReviewStatus`]: {
    description: 'Whether the token authenticated, and as whom.',
    fields: {
      authenticated: bool(1, 'Whether the token belongs to a known user.'),
      user: ref(`${AUTHN}.UserInfo`, 2, 'The user the token belongs to.'),
      audiences: array(item.string, 4, 'The requested audiences the token is valid for.', { listType: 'atomic' }),
      error: string(3, 'Why the token could not be checked.'),
    },
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
