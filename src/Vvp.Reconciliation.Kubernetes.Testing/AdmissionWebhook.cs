namespace Vvp.Reconciliation.Kubernetes.Testing;

/// <summary>What a webhook's failure means for the request, as <c>failurePolicy</c> says.</summary>
public enum AdmissionFailurePolicy
{
    /// <summary>A webhook that cannot be called, times out or answers nonsense refuses the request (the API server's default).</summary>
    Fail,

    /// <summary>Such a webhook is skipped and the request admitted.</summary>
    Ignore,
}

/// <summary>
/// A validating admission webhook the <see cref="KubernetesApiStandIn"/> calls before it stores a create or update,
/// as one entry of a <c>ValidatingWebhookConfiguration</c> describes it: an HTTPS address trusted through a CA
/// bundle, the resource and operations it judges, a namespace selector on <c>kubernetes.io/metadata.name</c>, a
/// timeout, a failure policy and its side effects (a dry run is sent only to a webhook without side effects).
/// </summary>
public sealed class AdmissionWebhook
{
    /// <summary>The webhook's name (a DNS name, e.g. <c>vvpdeployments.ververica.platform</c>); refusals quote it.</summary>
    public required string Name { get; init; }

    /// <summary>The address the <c>AdmissionReview</c> is posted to (<c>https://…/path</c>).</summary>
    public required Uri Url { get; init; }

    /// <summary>The CA certificates (PEM) that the webhook's certificate must chain to; the system's trust when <see langword="null"/>.</summary>
    public string? CaBundle { get; init; }

    /// <summary>The resource it judges (its main resource: a write to <c>/status</c> is not sent). Default <see cref="ApiResource.VvpDeployments"/>.</summary>
    public ApiResource Resource { get; init; } = ApiResource.VvpDeployments;

    /// <summary>The operations it judges: <c>CREATE</c>, <c>UPDATE</c> (a patch is an update). Default both.</summary>
    public IReadOnlyCollection<string> Operations { get; init; } = ["CREATE", "UPDATE"];

    /// <summary>The namespaces it judges (a selector on <c>kubernetes.io/metadata.name In …</c>); every namespace when <see langword="null"/>.</summary>
    public IReadOnlyCollection<string>? Namespaces { get; init; }

    /// <summary>What a failure to get its verdict does. Default <see cref="AdmissionFailurePolicy.Fail"/>.</summary>
    public AdmissionFailurePolicy FailurePolicy { get; init; } = AdmissionFailurePolicy.Fail;

    /// <summary>Whether calling it has side effects (<c>sideEffects</c> other than <c>None</c>/<c>NoneOnDryRun</c>): a dry-run request it would judge is then refused with 400. Default <see langword="false"/>.</summary>
    public bool HasSideEffects { get; init; }

    /// <summary>How long the API server waits for its verdict (<c>timeoutSeconds</c>). Default 10 s, the API server's default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
