{{/* Command-line flags of the two programs, derived from values. Flag names: docs/configuration.md.
--namespaces comes last so the kustomize namespaced overlay can append it (parity.test.ts). */}}

{{- define "tagpilot.operatorArgs" -}}
- --log-level={{ .Values.logLevel }}
- --namespace={{ .Release.Namespace }}
- --metrics-port={{ .Values.operator.metricsPort }}
- --webhook-port={{ .Values.operator.webhookPort }}
- --webhook-service={{ .Release.Namespace }}/{{ include "tagpilot.webhookServiceName" . }}:{{ .Values.webhook.servicePort }}
- --webhook-failure-policy={{ .Values.webhook.failurePolicy }}
- --webhook-timeout-seconds={{ .Values.webhook.timeoutSeconds }}
- --webhook-config-name={{ include "tagpilot.fullname" . }}-operator
- --webhook-cert-secret={{ include "tagpilot.webhookSecretName" . }}
- --self-signed-certs={{ not .Values.webhook.certManager.enabled }}
- --leader-elect={{ .Values.leaderElection.enabled }}
- --lease-name={{ include "tagpilot.fullname" . }}-operator
{{- with include "tagpilot.watchNamespaces" . }}
- --namespaces={{ . }}
{{- end }}
{{- end }}

{{- define "tagpilot.controllerArgs" -}}
- --log-level={{ .Values.logLevel }}
- --port={{ .Values.controller.port }}
- --concurrency={{ .Values.controller.concurrency }}
- --registry-concurrency={{ .Values.registry.concurrency }}
- --registry-timeout={{ .Values.registry.timeout }}
- --registry-cache-ttl={{ .Values.registry.cacheTTL }}
{{- if .Values.controller.dryRun }}
- --dry-run
{{- end }}
{{- if .Values.controller.hooks.existingSecret }}
- --hook-secrets-dir=/etc/tagpilot/hook-secrets
{{- end }}
- --max-hook-body={{ int64 .Values.controller.hooks.maxBodyBytes }}
- --hook-replay-window={{ .Values.controller.hooks.replayWindow }}
- --http-request-timeout={{ .Values.controller.http.requestTimeout }}
- --http-max-connections={{ int64 .Values.controller.http.maxConnections }}
- --status-heartbeat={{ .Values.controller.statusHeartbeat }}
- --cron-jitter={{ .Values.controller.cronJitter }}
- --leader-elect={{ .Values.leaderElection.enabled }}
- --leader-election-namespace={{ .Release.Namespace }}
- --lease-name={{ include "tagpilot.fullname" . }}-controller
- --lease-duration={{ .Values.controller.lease.duration }}
{{- with .Values.controller.lease.renewDeadline }}
- --lease-renew-deadline={{ . }}
{{- end }}
{{- with include "tagpilot.watchNamespaces" . }}
- --namespaces={{ . }}
{{- end }}
{{- end }}
