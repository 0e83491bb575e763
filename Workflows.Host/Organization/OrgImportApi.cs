using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Host.Auth;
using Workflows.Host.Platform;

namespace Workflows.Host.Organization;

public static class OrgImportApi
{
    public static IEndpointRouteBuilder MapOrgImportApi(this IEndpointRouteBuilder app)
    {
        // No Accepts metadata: it would answer a wrong content type 415 before the caller's authorization is checked;
        // the handler reads any body and tells a table from anything else itself.
        app.MapPost("/api/org/import", Import).RequireAuthorization(Policies.HR).WithTags("Organization");
        return app;
    }

    /// <summary>
    /// The body is the file itself (<c>text/csv</c> or the .xlsx type; <c>application/octet-stream</c> is read by its
    /// first bytes) or a form upload with one file. Line errors answer 200 with <c>errors</c> and nothing written, as the
    /// contract says; a body that is no table at all is a 400.
    /// </summary>
    public static async Task<Results<Ok<ImportResult>, ProblemHttpResult>> Import(
        HttpRequest request, OrgImport import, bool? dryRun, CancellationToken ct)
    {
        byte[] content;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            if (form.Files.Count != 1)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
                    detail: "Upload exactly one file (CSV or .xlsx).");
            }

            using var buffer = new MemoryStream();
            await form.Files[0].CopyToAsync(buffer, ct);
            content = buffer.ToArray();
        }
        else
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            content = buffer.ToArray();
        }

        try
        {
            return TypedResults.Ok(await import.ImportAsync(content, dryRun ?? false, ct));
        }
        catch (ImportFormatException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not an organisation file", detail: ex.Message);
        }
    }
}
