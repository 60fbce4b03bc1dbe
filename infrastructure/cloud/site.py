"""The edge: the static site's bucket and the CloudFront distribution in front of it and
of the API (one origin each)."""

from __future__ import annotations

from typing import Any

from infrastructure.cloud.base import REST_API, api_gateway_stage, sub
from infrastructure.cloud.storage import bucket_policy, private_bucket_properties

# CloudFront managed policies (the same ids in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"

SITE_ORIGIN = "site"
API_ORIGIN = "api"


def site(stage: str) -> dict[str, Any]:
    """The site bucket, read by CloudFront only, and the distribution: the site, and /api
    uncached to the API Gateway stage."""
    api_domain = sub(f"${{{REST_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}")
    return {
        # Static files only, rebuilt from the repository: deleted with the stack
        # (empty it first, `aws s3 rm --recursive`).
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": private_bucket_properties(f"lotbook-{stage}-site"),
        },
        "SiteBucketPolicy": bucket_policy(
            "SiteBucket",
            {
                "Sid": "AllowCloudFrontOriginAccessControl",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": sub("${SiteBucket.Arn}/*"),
                "Condition": {
                    "StringEquals": {
                        "AWS:SourceArn": sub(
                            "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                            ":distribution/${SiteDistribution}"
                        )
                    }
                },
            },
        ),
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    # Account-wide names: the region keeps two deployments apart.
                    "Name": sub(f"lotbook-{stage}-site-${{AWS::Region}}"),
                    "Description": f"Lotbook {stage}: CloudFront reads the site bucket",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "SiteDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Comment": f"Lotbook {stage}: site and /api",
                    "Enabled": True,
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": SITE_ORIGIN,
                            "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
                            # Required with an S3 origin; empty: OAC, not a legacy OAI.
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        },
                        {
                            "Id": API_ORIGIN,
                            "DomainName": api_domain,
                            "OriginPath": f"/{api_gateway_stage(stage)}",
                            "CustomOriginConfig": {
                                "OriginProtocolPolicy": "https-only",
                                "HTTPSPort": 443,
                                "OriginSSLProtocols": ["TLSv1.2"],
                            },
                        },
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": SITE_ORIGIN,
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": SECURITY_HEADERS,
                        "Compress": True,
                    },
                    "CacheBehaviors": [
                        {
                            # No caching; every viewer header but Host (Authorization
                            # included), every query string and cookie reach the API.
                            "PathPattern": "/api/*",
                            "TargetOriginId": API_ORIGIN,
                            "ViewerProtocolPolicy": "https-only",
                            "AllowedMethods": [
                                "GET",
                                "HEAD",
                                "OPTIONS",
                                "PUT",
                                "PATCH",
                                "POST",
                                "DELETE",
                            ],
                            "CachedMethods": ["GET", "HEAD"],
                            "CachePolicyId": CACHING_DISABLED,
                            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
                            "Compress": True,
                        }
                    ],
                    # No CustomErrorResponses: they would also rewrite the API's 403/404.
                }
            },
        },
    }
