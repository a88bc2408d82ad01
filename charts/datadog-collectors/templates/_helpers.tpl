{{/* Names, labels and the small helpers every template shares. */}}

{{- define "datadog-collectors.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name (<= 63 characters, a DNS label). */}}
{{- define "datadog-collectors.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A collector's CronJob name: <fullname>-<collector> with "_" as "-". Kubernetes caps CronJob
names at 52 characters (the controller appends "-<timestamp>" for the Job), so a longer name is
cut and given a hash of the whole name: two long names never collide.
Call with (dict "root" $ "name" $name).
*/}}
{{- define "datadog-collectors.cronJobName" -}}
{{- $name := printf "%s-%s" (include "datadog-collectors.fullname" .root) (.name | replace "_" "-") -}}
{{- if gt (len $name) 52 -}}
{{- printf "%s-%s" (regexReplaceAll "-+$" ($name | trunc 43) "") (sha256sum $name | trunc 8) -}}
{{- else -}}
{{- $name -}}
{{- end -}}
{{- end -}}

{{- define "datadog-collectors.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "datadog-collectors.selectorLabels" -}}
app.kubernetes.io/name: {{ include "datadog-collectors.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "datadog-collectors.labels" -}}
helm.sh/chart: {{ include "datadog-collectors.chart" . }}
{{ include "datadog-collectors.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "datadog-collectors.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "datadog-collectors.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Where the pod finds the Datadog API key with datadog.apiKeySecret.mountAsFile (DD_API_KEY_FILE):
a directory of its own under /var/run/secrets, beside the service account's and IRSA's tokens.
*/}}
{{- define "datadog-collectors.apiKeyFile" -}}
/var/run/secrets/datadog/api-key
{{- end -}}

{{/*
The application key's file (DD_APP_KEY_FILE) for the metadata-sync Job with mountAsFile: a
directory of its own, since each Secret volume is mounted whole over its directory.
*/}}
{{- define "datadog-collectors.appKeyFile" -}}
/var/run/secrets/datadog-app/app-key
{{- end -}}

{{/* repository@digest when a digest is set, else repository:tag (default: appVersion). */}}
{{- define "datadog-collectors.image" -}}
{{- $repository := required "image.repository is required: the dd-toolkit image to run (see: dd-toolkit manual deploying)" .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{/*
An environment value as a string. Helm reads numbers from values files as float64, which would
print 1000000 as "1e+06"; whole numbers print as integers.
*/}}
{{- define "datadog-collectors.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) -}}
{{- int64 . -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}
