{{/* The release's resource names: fullnameOverride, else the release's name. */}}
{{- define "vvp-operator.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The app.kubernetes.io/name label: nameOverride, else the chart's name. */}}
{{- define "vvp-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vvp-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vvp-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name (an existing ServiceAccount) is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "vvp-operator.labels" -}}
app.kubernetes.io/name: {{ include "vvp-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "vvp-operator.selector" -}}
app.kubernetes.io/name: {{ include "vvp-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A duration setting in seconds: a number of seconds, or hh:mm:ss. */}}
{{- define "vvp-operator.seconds" -}}
{{- if kindIs "string" . -}}
{{- $parts := splitList ":" . -}}
{{- add (mul (atoi (index $parts 0)) 3600) (mul (atoi (index $parts 1)) 60) (atoi (index $parts 2)) -}}
{{- else -}}
{{- int64 . -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the webhook's serving certificate (tls.crt, tls.key). */}}
{{- define "vvp-operator.webhookSecretName" -}}
{{- if .Values.webhook.certManager.enabled -}}
{{- printf "%s-webhook-tls" (include "vvp-operator.fullname" .) -}}
{{- else -}}
{{- required "webhook.certSecretName (a kubernetes.io/tls Secret) is required without cert-manager" .Values.webhook.certSecretName -}}
{{- end -}}
{{- end -}}

{{/* The image: repository@digest when a digest is given, else repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "vvp-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}
