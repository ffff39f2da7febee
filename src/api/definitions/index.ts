// Registers every schema definition (each module registers itself on import).
import './meta-v1.ts';
import './core-v1-pod.ts';
import './core-v1.ts';
import './apps-v1.ts';
import './batch-v1.ts';
import './autoscaling.ts';
import './networking-v1.ts';
import './policy-v1.ts';
import './rbac-v1.ts';
import './coordination-v1.ts';
import './discovery-v1.ts';
import './storage-v1.ts';
import './events-v1.ts';
import './authentication-v1.ts';
import './authorization-v1.ts';
import './metrics-v1beta1.ts';
import './apiextensions-v1.ts';
