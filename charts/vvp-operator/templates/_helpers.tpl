{{/* The release's resource names. */}}
{{- define "vvp-operator.fullname" -}}
{{- printf "%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vvp-operator.serviceAccountName" -}}
{{- default (include "vvp-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "vvp-operator.labels" -}}
app.kubernetes.io/name: vvp-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "vvp-operator.selector" -}}
app.kubernetes.io/name: vvp-operator
app.kubernetes.io/instance: {{ .Release.Name }}
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
