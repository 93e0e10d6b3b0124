using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The validating admission webhook's decision (<c>admission.k8s.io/v1</c> <c>AdmissionReview</c>): a
/// <c>VvpDeployment</c> that is created or updated is judged by <see cref="VvpDeploymentValidator"/>, the rules
/// <c>vvp-reconcile validate</c> applies, so <c>kubectl apply</c> of an invalid CR is refused with the same
/// path-level messages. It has no side effects (a dry run is judged the same way). A CR that is being deleted is
/// always admitted, so its finalizer can be removed whatever its spec holds; so is an update that leaves the spec and
/// the annotations as they were (a finalizer, a label, the operator's own bookkeeping on a CR that predates the
/// webhook); so are deletions and other kinds.
/// </summary>
public static class VvpAdmission
{
    /// <summary>The deepest an <c>AdmissionReview</c> may nest: a CR's own limit plus the review's envelope, with room to report a deeper CR by its path.</summary>
    public const int MaxReviewDepth = 256;

    /// <summary>How many of a CR's problems a refusal lists; the rest are counted.</summary>
    public const int MaxListedProblems = 20;

    private const string ApiVersion = "admission.k8s.io/v1";

    /// <summary>Reads an <c>AdmissionReview</c> request body and answers it.</summary>
    /// <param name="body">The request's body (UTF-8 JSON).</param>
    /// <returns>The <c>AdmissionReview</c> to answer with.</returns>
    /// <exception cref="FormatException">The body is not an <c>admission.k8s.io/v1</c> <c>AdmissionReview</c> request; the message names what is wrong.</exception>
    public static JsonObject Review(ReadOnlySpan<byte> body) => Review(Parse(body));

    /// <summary>Reads an <c>AdmissionReview</c> request body as JSON, nested up to <see cref="MaxReviewDepth"/>.</summary>
    /// <param name="body">The request's body (UTF-8 JSON).</param>
    /// <returns>The review, for <see cref="Review(JsonNode?)"/>.</returns>
    /// <exception cref="FormatException">The body is not JSON.</exception>
    public static JsonNode? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxReviewDepth });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The AdmissionReview is not JSON: {DisplayText.Clean(ex.Message, 300)}", ex);
        }
    }

    /// <summary>Answers an <c>AdmissionReview</c> request.</summary>
    /// <param name="review">The review the API server sent.</param>
    /// <returns>The <c>AdmissionReview</c> to answer with: the request's <c>uid</c>, <c>allowed</c>, and for a refusal a <c>status</c> (403) whose message lists the CR's problems as <c>path: message</c>.</returns>
    /// <exception cref="FormatException">The review is not an <c>admission.k8s.io/v1</c> <c>AdmissionReview</c> request; the message names what is wrong.</exception>
    public static JsonObject Review(JsonNode? review)
    {
        if (review is not JsonObject root)
        {
            throw new FormatException("The AdmissionReview must be a JSON object.");
        }

        if (JsonRead.String(root, "apiVersion") != ApiVersion || JsonRead.String(root, "kind") != "AdmissionReview")
        {
            throw new FormatException($"Only {ApiVersion} AdmissionReview is served (apiVersion and kind); list v1 in the webhook's admissionReviewVersions.");
        }

        if (root["request"] is not JsonObject request)
        {
            throw new FormatException("The AdmissionReview has no request object.");
        }

        if (JsonRead.String(request, "uid") is not { Length: > 0 } uid)
        {
            throw new FormatException("The AdmissionReview's request.uid must be a non-empty string.");
        }

        var problems = Problems(request);
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = problems.Count == 0 };
        if (problems.Count > 0)
        {
            response["status"] = new JsonObject
            {
                ["code"] = 403,
                ["reason"] = "Forbidden",
                ["message"] = Message(problems),
            };
        }

        return new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
    }

    /// <summary>The refusal's message: the problems as <c>path: message</c>, joined by <c>; </c>, at most <see cref="MaxListedProblems"/> of them.</summary>
    /// <param name="problems">The CR's problems.</param>
    /// <returns>The message.</returns>
    public static string Message(IReadOnlyList<ResourceMessage> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var listed = string.Join("; ", problems.Take(MaxListedProblems).Select(p => DisplayText.Clean(p.ToString(), 500)));
        var rest = problems.Count - MaxListedProblems;
        return rest > 0 ? $"{listed}; and {rest} more (vvp-reconcile validate lists them all)" : listed;
    }

    private static List<ResourceMessage> Problems(JsonObject request)
    {
        var operation = JsonRead.String(request, "operation");
        var kind = JsonRead.String(request, "kind", "kind");
        if (operation is not ("CREATE" or "UPDATE") || (kind is not null && kind != "VvpDeployment"))
        {
            return [];
        }

        var obj = request["object"];
        // A CR on its way out is admitted whatever it holds: its finalizer must be removable.
        if (obj is JsonObject cr && JsonRead.String(cr, "metadata", "deletionTimestamp") is not null)
        {
            return [];
        }

        // An update that changes nothing the validator judges is not the place to refuse what was admitted before.
        if (operation == "UPDATE" && request["oldObject"] is JsonObject old && obj is JsonObject next && Unchanged(old, next))
        {
            return [];
        }

        return [.. VvpDeploymentValidator.Validate(obj).Errors];
    }

    // Whether the spec and the annotations are as they were (too deep to compare counts as changed: the validator says why).
    private static bool Unchanged(JsonObject old, JsonObject next)
    {
        try
        {
            return JsonEquality.Equals(old["spec"], next["spec"]) &&
                JsonEquality.Equals(JsonRead.At(old, "metadata", "annotations"), JsonRead.At(next, "metadata", "annotations"));
        }
        catch (JsonDepthLimitExceededException)
        {
            return false;
        }
    }
}
