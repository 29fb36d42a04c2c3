{{/* Names and labels shared by every template. */}}

{{- define "tagpilot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped prefix of every resource; "tagpilot" for a release named tagpilot. Short enough
for the "-controller" suffix within the 63-character name limit. */}}
{{- define "tagpilot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tagpilot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource; with a component: include "tagpilot.labels" (list . "operator"). */}}
{{- define "tagpilot.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ include "tagpilot.chart" $root }}
{{ include "tagpilot.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: tagpilot
{{- end }}

{{- define "tagpilot.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "tagpilot.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- if gt (len .) 1 }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}
{{- end }}

{{/* ServiceAccount name of a component: include "tagpilot.serviceAccountName" (list . "operator"). */}}
{{- define "tagpilot.serviceAccountName" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $sa := (index $root.Values $component).serviceAccount -}}
{{- if $sa.create }}
{{- default (printf "%s-%s" (include "tagpilot.fullname" $root) $component) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* Image reference of a component: repository:tag, or repository@digest when a digest is set. */}}
{{- define "tagpilot.image" -}}
{{- $root := index . 0 -}}
{{- $image := (index $root.Values (index . 1)).image -}}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* Namespaces to watch, comma-separated; empty means all. */}}
{{- define "tagpilot.watchNamespaces" -}}
{{- join "," .Values.watchNamespaces }}
{{- end }}

{{/* For the release "tagpilot" these names equal the programs' defaults (docs/configuration.md). */}}
{{- define "tagpilot.webhookServiceName" -}}
{{- printf "%s-operator-webhook" (include "tagpilot.fullname" .) }}
{{- end }}

{{- define "tagpilot.webhookSecretName" -}}
{{- printf "%s-operator-webhook-tls" (include "tagpilot.fullname" .) }}
{{- end }}

{{- define "tagpilot.caBundleConfigMapName" -}}
{{- if .Values.registry.caBundleConfigMap.name }}
{{- .Values.registry.caBundleConfigMap.name }}
{{- else }}
{{- printf "%s-registry-ca" (include "tagpilot.fullname" .) }}
{{- end }}
{{- end }}

{{- define "tagpilot.hasRegistryCA" -}}
{{- if or .Values.registry.caBundle .Values.registry.caBundleConfigMap.name }}true{{- end }}
{{- end }}

{{/* Environment for registry access shared by both programs (proxy, extra CA). */}}
{{- define "tagpilot.registryEnv" -}}
{{- with .Values.registry.proxy.httpsProxy }}
- name: HTTPS_PROXY
  value: {{ . | quote }}
{{- end }}
{{- with .Values.registry.proxy.httpProxy }}
- name: HTTP_PROXY
  value: {{ . | quote }}
{{- end }}
{{- with .Values.registry.proxy.noProxy }}
- name: NO_PROXY
  value: {{ . | quote }}
{{- end }}
{{- if include "tagpilot.hasRegistryCA" . }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/tagpilot/registry-ca/ca.crt
{{- end }}
{{- end }}
