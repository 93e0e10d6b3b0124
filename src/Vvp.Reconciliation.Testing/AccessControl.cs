using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Testing;

/// <summary>
/// The platform's API tokens and their roles: none added, every call is allowed; otherwise a call needs a known token
/// (401), and a write needs the editor or owner role (403).
/// </summary>
internal sealed class AccessControl
{
    private readonly Dictionary<string, PlatformRole> _tokens = new(StringComparer.Ordinal);

    public void Add(string token, PlatformRole role) => _tokens[token] = role;

    public void Authorize(PlatformOperation operation, ApiToken? token)
    {
        if (_tokens.Count == 0)
        {
            return;
        }

        if (token is null || !_tokens.TryGetValue(token.Reveal(), out var role))
        {
            throw PlatformException.FromStatus(401, token is null ? "Authentication required: no API token." : "The API token is not valid.");
        }

        var isWrite = operation is not (PlatformOperation.GetDeployment or PlatformOperation.ListDeployments or PlatformOperation.ListSavepoints);
        if (isWrite && role == PlatformRole.Viewer)
        {
            throw PlatformException.FromStatus(403, "The API token's role (viewer) does not allow this; editor or owner is needed.");
        }
    }
}
